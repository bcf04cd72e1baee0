"""The background worker: periodic jobs once per period across workers, and the real `guanxi worker`
process delivering a reminder end to end."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from guanxi.core.models import Notification, PeriodicRun
from guanxi.core.registry import PeriodicJob, registry
from guanxi.core.scheduler import (
    period_key,
    periodic_job_execute,
    periodic_jobs_claim_due,
    periodic_jobs_enqueue_due,
)
from guanxi.customers.tests.factories import TaskFactory

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


@pytest.mark.django_db
def test_task_reminders_are_a_registered_five_minute_job_that_sends_reminders():
    # given the customers app's jobs and an overdue task
    job = next(j for j in registry.periodic if j.key == "task_reminders")
    assert job.every_minutes == 5
    task = TaskFactory(title="Send quote", due_at=timezone.now() - dt.timedelta(hours=1))
    # when the scheduler runs the due jobs twice
    periodic_jobs_enqueue_due()
    periodic_jobs_enqueue_due()
    # then the reminder was sent once
    assert list(Notification.objects.filter(recipient=task.assignee).values_list("title", flat=True)) == [
        "Overdue: Send quote"
    ]


# --- the real worker process -----------------------------------------------------------------------
SEED = """
import datetime as dt
import django
django.setup()
from django.core.management import call_command
from django.utils import timezone
call_command("migrate", verbosity=0)
from guanxi.org.models import Role
from guanxi.org.services import roles_ensure_defaults, user_create
from guanxi.customers.services import task_create
roles_ensure_defaults()
rep = user_create(actor=None, username="zhangwei", password="Worker-test-2026", name="张伟",
                  email="zhangwei@example.com", language="en", roles=[Role.objects.get(code="sales_rep")])
task_create(actor=rep, data={"title": "Send the quote to 北京华信", "due_at": timezone.now() - dt.timedelta(hours=2)})
"""


def _wait_for(predicate, timeout: float, proc: subprocess.Popen) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.2)
    return predicate()


def test_real_worker_process_emails_an_overdue_task_reminder(smtp_server, tmp_path: Path):
    # given a migrated database file with a rep and an overdue task, and a real SMTP server
    db_file = tmp_path / "worker.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "guanxi.settings.local",
        "GUANXI_DATABASE_URL": f"sqlite:///{db_file}",
        "GUANXI_VAR_DIR": str(tmp_path / "var"),
        "GUANXI_SECRET_KEY": "worker-test-not-secret",
        "GUANXI_LANGUAGE": "en",
        "GUANXI_EMAIL_ENABLED": "1",
        "GUANXI_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "GUANXI_EMAIL_HOST": smtp_server.host,
        "GUANXI_EMAIL_PORT": str(smtp_server.port),
        "GUANXI_BASE_URL": "https://crm.example.com",
        "GUANXI_DEBUG": "0",
        "GUANXI_BACKUP_DAILY": "0",  # this test is about the reminder, not the daily backup
    }
    python = sys.executable
    cwd = settings.BASE_DIR
    subprocess.run([python, "-c", SEED], env=env, cwd=cwd, check=True, timeout=240)  # noqa: S603

    # when the worker process runs (checking the schedule every half second)
    log = (tmp_path / "worker.log").open("w+")
    proc = subprocess.Popen(  # noqa: S603
        [python, "-m", "guanxi.cli", "worker", "--interval", "0.2", "--schedule-every", "0.5"],
        env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        delivered = _wait_for(lambda: len(smtp_server.messages) >= 1, timeout=60, proc=proc)

        def emailed_rows() -> list[tuple[str, str, str | None]]:
            with sqlite3.connect(db_file, timeout=5) as conn:
                return conn.execute(
                    "SELECT n.title, n.url, n.emailed_at FROM core_notification n "
                    "JOIN org_user u ON u.id = n.recipient_id WHERE u.username = 'zhangwei'"
                ).fetchall()

        recorded = _wait_for(lambda: any(row[2] for row in emailed_rows()), timeout=20, proc=proc)
    finally:
        proc.terminate()
        try:
            exit_code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            exit_code = proc.wait()
        log.seek(0)
        output = log.read()
        log.close()

    # then the reminder arrived by e-mail, with a link to "my day"
    assert delivered, f"no e-mail within the timeout; worker output:\n{output}"
    [msg] = smtp_server.messages
    assert msg["To"] == "zhangwei@example.com"
    assert msg["Subject"] == "Overdue: Send the quote to 北京华信"
    assert "https://crm.example.com" + reverse("customers:my_day") in msg.get_content()
    # and as an in-app notification marked as e-mailed
    assert recorded, f"notification not marked e-mailed; worker output:\n{output}"
    [(title, url, emailed_at)] = emailed_rows()
    assert title == "Overdue: Send the quote to 北京华信" and url == reverse("customers:my_day") and emailed_at
    # and the worker stopped cleanly when told to
    assert exit_code == 0, output
