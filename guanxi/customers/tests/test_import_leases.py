"""Worker leases (guanxi/core/workers.py) seen from the records an import writes: a customer import failed because
its worker died runs again and imports each row once; an import taken from its worker before commit writes no
customer. (The leases themselves are proved on core's floor in guanxi/core/tests/test_worker_leases.py.)"""

from __future__ import annotations

import datetime as dt

import pytest

from guanxi.core import workers
from guanxi.core.imports import services
from guanxi.core.imports.testing import run_import, upload, xlsx_bytes
from guanxi.core.models import ImportJob, WorkerHeartbeat
from guanxi.core.registry import registry
from guanxi.customers.models import Customer

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
HEADER = ["客户名称", "手机"]
ROWS = [["北京华信科技有限公司", "13812345678"], ["上海申达贸易有限公司", "13912345678"]]


def seen(worker_id: str, seconds_ago: float) -> WorkerHeartbeat:
    at = NOW - dt.timedelta(seconds=seconds_ago)
    return WorkerHeartbeat.objects.create(worker_id=worker_id, host="crm-1", pid=4242, started_at=at, seen_at=at)


def import_running_on(user, worker_id: str) -> ImportJob:
    """A checked import of two customers that worker `worker_id` has taken (status running)."""
    job = run_import(actor=user, kind="customers", data=xlsx_bytes([HEADER, *ROWS]), name="客户.xlsx", dry_run=True)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, worker_id=worker_id)
    return ImportJob.objects.get(pk=job.pk)


def test_the_failed_import_runs_again_at_once_and_imports_each_row_once(
    org, settings, django_capture_on_commit_callbacks
):
    # given an import failed because its worker died
    settings.GUANXI_WORKER_LEASE_SECONDS = 30
    user = org["east_manager"]
    seen("dead", 31)
    job = import_running_on(user, "dead")
    workers.lost_jobs_recover(now=NOW)
    # when its user runs it again (tests run the queued job at once)
    with django_capture_on_commit_callbacks(execute=True):
        services.import_job_start(actor=user, job_id=job.pk)
    job.refresh_from_db()
    # then it is done with both customers, each once
    assert job.status == ImportJob.Status.DONE and job.created_count == 2 and job.error == ""
    assert sorted(Customer.objects.values_list("name", flat=True)) == sorted(r[0] for r in ROWS)


def test_an_import_taken_from_its_worker_before_commit_writes_nothing(org, monkeypatch):
    # given an import queued and a worker that loses it while writing (its lease ran out; the job was failed
    # and run again elsewhere), simulated by the job changing hands inside the write step
    user = org["east_manager"]
    job, _ = services.import_job_create(actor=user, kind="customers", file=upload(xlsx_bytes([HEADER, *ROWS])))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    importer = registry.importers["customers"]
    apply = importer.apply

    def apply_then_lose(**kwargs):
        result = apply(**kwargs)
        ImportJob.objects.filter(pk=job.pk).update(worker_id="someone-else")
        return result

    monkeypatch.setattr(importer, "apply", apply_then_lose)
    # when the worker finishes its write
    result = services.import_job_execute(job_id=job.pk, worker_id="slow")
    # then it rolled everything back: no customer, and the job is not reported done by it
    assert result == {"status": "taken"}
    assert Customer.objects.count() == 0
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.RUNNING
