"""The background worker: periodic jobs once per period across workers. (The real `guanxi worker` process
delivering a task reminder end to end is in guanxi/customers/tests/test_reminders_worker.py.)"""

from __future__ import annotations

import datetime as dt

import pytest

from guanxi.core.models import PeriodicRun
from guanxi.core.registry import PeriodicJob, registry
from guanxi.core.scheduler import (
    period_key,
    periodic_job_execute,
    periodic_jobs_claim_due,
    periodic_jobs_enqueue_due,
)

T0 = dt.datetime(2026, 3, 2, 9, 1, tzinfo=dt.UTC)


@pytest.fixture
def jobs(monkeypatch):
    """Only the jobs a test registers, so apps added later do not change the expected claims."""
    monkeypatch.setattr(registry, "periodic", [])
    calls: list[str] = []

    def add(key: str, every: int, result: object = None, error: Exception | None = None) -> None:
        def run() -> object:
            calls.append(key)
            if error is not None:
                raise error
            return result

        registry.add_periodic(PeriodicJob(key=key, every_minutes=every, run=run))

    add.calls = calls  # type: ignore[attr-defined]
    return add


@pytest.mark.django_db
def test_each_job_is_claimed_once_per_period_even_by_two_workers(jobs):
    # given a five-minute and an hourly job
    jobs("reminders", 5)
    jobs("reclaim", 60)
    # when two workers check the schedule in the same period
    first = periodic_jobs_claim_due(now=T0)
    second = periodic_jobs_claim_due(now=T0 + dt.timedelta(seconds=30))
    # then the first claims both and the second nothing
    assert sorted(job for job, _period in first) == ["reclaim", "reminders"]
    assert second == []
    assert PeriodicRun.objects.count() == 2


@pytest.mark.django_db
def test_jobs_are_claimed_again_in_their_next_period(jobs):
    jobs("reminders", 5)
    jobs("reclaim", 60)
    periodic_jobs_claim_due(now=T0)
    # when five minutes have passed only the five-minute job is due again
    later = periodic_jobs_claim_due(now=T0 + dt.timedelta(minutes=5))
    assert [job for job, _period in later] == ["reminders"]
    assert periodic_jobs_claim_due(now=T0 + dt.timedelta(minutes=6)) == []
    # and an hour on, both are
    hour = periodic_jobs_claim_due(now=T0 + dt.timedelta(hours=1))
    assert sorted(job for job, _period in hour) == ["reclaim", "reminders"]
    assert PeriodicRun.objects.filter(job="reminders").count() == 3


def test_period_key_changes_exactly_at_the_period_boundary():
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    assert period_key(start, 5) == period_key(start + dt.timedelta(minutes=4, seconds=59), 5)
    assert period_key(start, 5) != period_key(start + dt.timedelta(minutes=5), 5)
    assert period_key(start - dt.timedelta(seconds=1), 5) != period_key(start, 5)


@pytest.mark.django_db
def test_enqueue_runs_the_claimed_jobs_and_records_their_result(jobs):
    # given a job (tests run queued jobs immediately)
    jobs("count", 5, result={"sent": 2})
    # when the schedule is checked twice in one period
    assert periodic_jobs_enqueue_due(now=T0) == 1
    assert periodic_jobs_enqueue_due(now=T0) == 0
    # then the job ran once and its period row holds the result
    assert jobs.calls == ["count"]
    run = PeriodicRun.objects.get(job="count")
    assert run.finished_at is not None and run.result == {"sent": 2}


@pytest.mark.django_db
def test_a_failing_job_keeps_the_error_on_its_period(jobs):
    jobs("broken", 5, error=RuntimeError("mail server down"))
    [(job, period)] = periodic_jobs_claim_due(now=T0)
    with pytest.raises(RuntimeError):
        periodic_job_execute(job_key=job, period=period)
    run = PeriodicRun.objects.get(job="broken")
    assert run.finished_at is not None
    assert run.result == {"error": "RuntimeError: mail server down"}


@pytest.mark.django_db
def test_unknown_job_is_ignored(jobs):
    assert periodic_job_execute(job_key="gone", period="1") is None
