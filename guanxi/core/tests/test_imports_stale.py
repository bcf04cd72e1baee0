"""Import jobs a crashed worker left behind are marked failed by the periodic job, and their users told."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.core.imports import services
from guanxi.core.imports.services.run import _progress
from guanxi.core.models import AuditLog, ImportJob, Notification
from guanxi.core.registry import registry

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def make_job(user, status: str, minutes_ago: int, name: str = "a.xlsx") -> ImportJob:
    job = ImportJob.objects.create(user=user, kind="customers", file_name=name, status=status)
    ImportJob.objects.filter(pk=job.pk).update(updated_at=NOW - dt.timedelta(minutes=minutes_ago))
    return job


def test_jobs_stuck_longer_than_the_limit_are_failed_and_notified(org, settings):
    # given a 60-minute limit, a job running for 61 minutes without a sign of life, one queued as long,
    # one running for 59 minutes and one long finished
    settings.GUANXI_IMPORT_STALE_MINUTES = 60
    user = org["east_manager"]
    stuck = make_job(user, ImportJob.Status.RUNNING, 61, "stuck.xlsx")
    queued = make_job(user, ImportJob.Status.QUEUED, 90, "queued.xlsx")
    alive = make_job(user, ImportJob.Status.RUNNING, 59)
    done = make_job(user, ImportJob.Status.DONE, 600)
    # when the periodic job runs
    marked = services.import_jobs_fail_stale(now=NOW)
    # then only the two stale jobs failed, with a clear message, and the user heard about each
    assert marked == 2
    statuses = dict(ImportJob.objects.values_list("pk", "status"))
    assert statuses == {stuck.pk: "failed", queued.pk: "failed", alive.pk: "running", done.pk: "done"}
    stuck.refresh_from_db()
    assert "60 minutes" in stuck.error and "Start it again" in stuck.error and stuck.finished_at == NOW
    notes = Notification.objects.filter(recipient=user, kind="import_failed")
    assert sorted(n.title for n in notes) == ["Import failed: queued.xlsx", "Import failed: stuck.xlsx"]
    assert AuditLog.objects.filter(message__contains="marked failed").count() == 2
    # and a second run finds nothing more to do
    assert services.import_jobs_fail_stale(now=NOW) == 0


def test_the_limit_comes_from_the_setting(org, settings):
    # given a 10-minute limit and a dry run stuck for 11 minutes
    settings.GUANXI_IMPORT_STALE_MINUTES = 10
    job = make_job(org["east_manager"], ImportJob.Status.CHECKING, 11)
    # when the periodic job runs, then the dry run failed and may be checked again
    assert services.import_jobs_fail_stale(now=NOW) == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "10 minutes" in job.error
    assert Notification.objects.get(kind="import_failed").title == "Dry run failed: a.xlsx"


def test_progress_keeps_a_long_import_alive(org, settings):
    # given a job running for two hours that reported progress a minute ago
    settings.GUANXI_IMPORT_STALE_MINUTES = 60
    job = make_job(org["east_manager"], ImportJob.Status.RUNNING, 120)
    job.total_rows = 2000
    _progress(job)(2000)
    # when the periodic job runs now, then the job is left alone
    assert services.import_jobs_fail_stale(now=timezone.now() + dt.timedelta(minutes=1)) == 0
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING and job.processed_rows == 2000


def test_the_check_is_registered_every_15_minutes():
    job = next(j for j in registry.periodic if j.key == "imports_fail_stale")
    assert job.every_minutes == 15
