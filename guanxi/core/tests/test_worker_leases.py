"""Worker leases: a job whose worker died is found within a minute and failed with the reason, so its user can
run it again at once; a live or merely slow worker loses nothing. (What the imported records look like afterwards,
and the real killed-worker run, are proved with the customers that are imported, in the customers tests:
test_import_leases.py and test_import_crash.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as project_settings
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from guanxi.core import workers
from guanxi.core.imports.testing import run_import, xlsx_bytes
from guanxi.core.models import AuditLog, ImportJob, Notification, WorkerHeartbeat
from guanxi.core.registry import JobRecovery, Registry, registry

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
HEADER = ["客户名称", "手机"]
ROWS = [["北京华信科技有限公司", "13812345678"], ["上海申达贸易有限公司", "13912345678"]]


def seen(worker_id: str, seconds_ago: float, *, stopped: bool = False) -> WorkerHeartbeat:
    at = NOW - dt.timedelta(seconds=seconds_ago)
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id, host="crm-1", pid=4242, started_at=at, seen_at=at, stopped_at=NOW if stopped else None
    )


def running_task(worker_id: str) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        args_kwargs={"args": [], "kwargs": {"job_id": 1}},
        task_path="guanxi.core.imports.tasks.import_job_process",
        worker_ids=[worker_id],
        backend_name="default",
        run_after=NOW,
        started_at=NOW,
    )


def import_running_on(user, worker_id: str) -> ImportJob:
    """A checked import of two customers that worker `worker_id` has taken (status running)."""
    job = run_import(actor=user, kind="customers", data=xlsx_bytes([HEADER, *ROWS]), name="客户.xlsx", dry_run=True)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, worker_id=worker_id)
    return ImportJob.objects.get(pk=job.pk)


def test_the_default_lease_notices_a_dead_worker_within_a_minute():
    # given the shipped settings: then a lease runs out, and the next check finds it, in under a minute,
    # and the lease outlasts more than two missed beats of a worker that is only busy
    assert project_settings.GUANXI_WORKER_LEASE_SECONDS + project_settings.GUANXI_WORKER_CHECK_SECONDS <= 60
    assert project_settings.GUANXI_WORKER_LEASE_SECONDS >= 2 * project_settings.GUANXI_WORKER_CHECK_SECONDS


def test_a_lost_workers_import_is_failed_with_the_reason_and_its_user_told(org, settings):
    # given a 30-second lease, an import running on a worker last seen 31 seconds ago (killed)
    settings.GUANXI_WORKER_LEASE_SECONDS = 30
    user = org["east_manager"]
    seen("dead", 31)
    job = import_running_on(user, "dead")
    task = running_task("dead")
    # when another worker checks the leases
    recovered = workers.lost_jobs_recover(now=NOW, alive="me")
    # then the import failed, saying why and that nothing was written, with nothing counted as created
    assert recovered == {"tasks": 1, "imports": 1}
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "The worker stopped while running this job" in job.error and "nothing was written" in job.error
    assert (job.created_count, job.updated_count) == (0, 0)
    assert job.report["counts"]["create"] == 0 and job.report["verdicts"]["create"] == 2
    # and the django-tasks row no longer says "running"
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == "guanxi.core.workers.WorkerLost"
    # and the user was told, and the audit trail has it
    [note] = Notification.objects.filter(recipient=user, kind="import_failed")
    assert note.title == "Import failed: 客户.xlsx"
    assert AuditLog.objects.filter(message__contains="the worker running it stopped").count() == 1
    # and the dead worker's lease is gone, so the next check has nothing to do
    assert not WorkerHeartbeat.objects.filter(worker_id="dead").exists()
    assert workers.lost_jobs_recover(now=NOW, alive="me") == {}


def test_live_workers_and_the_checking_worker_keep_their_jobs(org, settings):
    # given a worker seen 5 seconds ago, and the checking worker itself silent for long (busy in a transaction)
    settings.GUANXI_WORKER_LEASE_SECONDS = 30
    user = org["east_manager"]
    seen("alive", 5)
    seen("me", 600)
    jobs = [import_running_on(user, "alive"), import_running_on(user, "me")]
    task = running_task("alive")
    # when "me" checks the leases
    assert workers.lost_jobs_recover(now=NOW, alive="me") == {}
    # then nothing was touched
    assert all(ImportJob.objects.get(pk=j.pk).status == ImportJob.Status.RUNNING for j in jobs)
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING
    assert not Notification.objects.filter(kind="import_failed").exists()


def test_a_worker_that_stopped_leaves_its_unfinished_jobs_to_be_failed_at_once(org, settings):
    # given a worker that was seen just now but stopped (a forced Ctrl+C while importing)
    settings.GUANXI_WORKER_LEASE_SECONDS = 30
    seen("stopped", 1, stopped=True)
    job = import_running_on(org["east_manager"], "stopped")
    # when any worker checks, then the import is failed without waiting for the lease to run out
    assert workers.lost_jobs_recover(now=NOW)["imports"] == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED


def test_a_job_finished_or_taken_by_another_worker_meanwhile_is_left_alone(org, settings):
    # given a lost worker whose import another worker has since taken again, and a task that finished
    settings.GUANXI_WORKER_LEASE_SECONDS = 30
    user = org["east_manager"]
    seen("dead", 31)
    retaken = import_running_on(user, "other")
    done = import_running_on(user, "dead")
    ImportJob.objects.filter(pk=done.pk).update(status=ImportJob.Status.DONE)
    finished = running_task("dead")
    DBTaskResult.objects.filter(pk=finished.pk).update(status=TaskResultStatus.SUCCESSFUL)
    # when the leases are checked
    recovered = workers.lost_jobs_recover(now=NOW, alive="other")
    # then nothing of theirs changed
    assert recovered == {"tasks": 0, "imports": 0}
    assert ImportJob.objects.get(pk=retaken.pk).status == ImportJob.Status.RUNNING
    assert ImportJob.objects.get(pk=done.pk).status == ImportJob.Status.DONE
    assert DBTaskResult.objects.get(pk=finished.pk).status == TaskResultStatus.SUCCESSFUL


def test_a_worker_renews_its_lease_and_takes_it_again_after_being_forgotten():
    # given a registered worker
    workers.worker_register(worker_id="w1", now=NOW)
    # when it beats later, then its lease is renewed
    workers.worker_heartbeat(worker_id="w1", now=NOW + dt.timedelta(seconds=10))
    assert WorkerHeartbeat.objects.get(worker_id="w1").seen_at == NOW + dt.timedelta(seconds=10)
    # and when it was taken for lost and forgotten (it was only slow), its next beat registers it again
    WorkerHeartbeat.objects.all().delete()
    workers.worker_heartbeat(worker_id="w1", now=NOW + dt.timedelta(seconds=20))
    assert WorkerHeartbeat.objects.get(worker_id="w1").seen_at == NOW + dt.timedelta(seconds=20)
    # and a stopped worker's lease is given back
    workers.worker_stopped(worker_id="w1", now=NOW + dt.timedelta(seconds=21))
    assert workers.lost_workers(now=NOW + dt.timedelta(seconds=21)) == {"w1"}


def test_the_import_engine_registers_its_recovery_once():
    # given the registry at start-up: then the imports recovery is there, and a second one under its key is refused
    assert [r.key for r in registry.job_recoveries].count("imports") == 1
    fresh = Registry()
    fresh.add_job_recovery(JobRecovery(key="imports", recover=lambda **kw: 0))
    with pytest.raises(RuntimeError, match="imports"):
        fresh.add_job_recovery(JobRecovery(key="imports", recover=lambda **kw: 1))


def test_a_registered_worker_is_not_lost_right_away():
    # given a worker that registered now: then no check takes it for lost
    workers.worker_register(worker_id="fresh")
    assert workers.lost_workers(now=timezone.now()) == set()
