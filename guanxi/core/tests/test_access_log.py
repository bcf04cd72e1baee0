"""The access log's writing: batched per request (one INSERT), immediate outside a request, exports included
through the audit trail, purged after the retention period by a periodic job."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.core import context
from guanxi.core.accesslog import access_log_batch, access_log_purge, access_log_record
from guanxi.core.models import AccessLog, AuditLog, PeriodicRun
from guanxi.core.scheduler import periodic_job_execute, periodic_jobs_claim_due
from guanxi.core.services import audit_record


def test_notes_of_one_request_are_written_with_one_insert(org: Any) -> None:
    # given three reads noted during one request
    user = org["east_rep"]
    with context.bind(ip="10.0.0.1", request_id="req-1"), CaptureQueriesContext(connection) as queries:
        with access_log_batch():
            for department in (org.hq, org.east, org.west):
                access_log_record(actor=user, kind=AccessLog.Kind.VIEW, obj=department)
            assert not AccessLog.objects.exists()  # nothing is written before the request ends
        inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    # then they are written together, with one INSERT, each with the request's IP and id
    assert len(inserts) == 1 and "core_accesslog" in inserts[0]
    rows = list(AccessLog.objects.order_by("id").values_list("object_repr", "ip", "request_id", "actor"))
    assert rows == [(d.name, "10.0.0.1", "req-1", user.pk) for d in (org.hq, org.east, org.west)]


def test_a_note_outside_a_request_is_written_at_once(org: Any) -> None:
    # when a job (no request) notes a read
    access_log_record(actor=org["admin"], kind=AccessLog.Kind.VIEW, obj=org.hq, detail={"why": "check"})
    # then it is stored immediately
    assert AccessLog.objects.get().detail == {"why": "check"}


def test_entries_are_append_only(org: Any) -> None:
    access_log_record(actor=org["admin"], kind=AccessLog.Kind.VIEW, obj=org.hq)
    entry = AccessLog.objects.get()
    entry.object_repr = "changed"
    with pytest.raises(ValueError):
        entry.save()
    assert AccessLog.objects.get().object_repr == org.hq.name


def test_every_export_audit_entry_is_also_an_access(org: Any) -> None:
    # when any service audits an export
    audit = audit_record(actor=org["admin"], action=AuditLog.Action.EXPORT, message="Exported 3 customers")
    # then the access log names it, pointing at the audit entry; other audit actions are not reads
    audit_record(actor=org["admin"], action=AuditLog.Action.UPDATE, obj=org.hq)
    entry = AccessLog.objects.get()
    assert (entry.kind, entry.actor, entry.detail) == ("export", org["admin"], {"audit_id": audit.pk})


def test_purge_keeps_the_retention_period(org: Any, settings: Any) -> None:
    # given entries of 400, 200 and 1 days ago
    now = timezone.now()
    for days in (400, 200, 1):
        access_log_record(actor=org["admin"], kind=AccessLog.Kind.VIEW, obj=org.hq, detail={"days": days})
    for entry, days in zip(AccessLog.objects.order_by("id"), (400, 200, 1), strict=True):
        AccessLog.objects.filter(pk=entry.pk).update(at=now - dt.timedelta(days=days))
    # when the purge runs with a year's retention, then only the older one goes
    settings.GUANXI_ACCESS_LOG_RETENTION_DAYS = 365
    assert access_log_purge(now=now) == {"deleted": 1}
    assert sorted(AccessLog.objects.values_list("detail__days", flat=True)) == [1, 200]
    # and retention 0 keeps everything
    settings.GUANXI_ACCESS_LOG_RETENTION_DAYS = 0
    assert access_log_purge(now=now + dt.timedelta(days=1000)) == {"deleted": 0}
    assert AccessLog.objects.count() == 2


def test_purge_is_a_daily_periodic_job(org: Any, settings: Any) -> None:
    # given an entry past a 30-day retention
    settings.GUANXI_ACCESS_LOG_RETENTION_DAYS = 30
    access_log_record(actor=org["admin"], kind=AccessLog.Kind.VIEW, obj=org.hq)
    AccessLog.objects.update(at=timezone.now() - dt.timedelta(days=31))
    # when the worker claims the due jobs and runs the purge
    claimed = dict(periodic_jobs_claim_due())
    assert "access_log_purge" in claimed
    periodic_job_execute(job_key="access_log_purge", period=claimed["access_log_purge"])
    # then the entry is gone and the run is on the job ledger
    assert not AccessLog.objects.exists()
    assert PeriodicRun.objects.get(job="access_log_purge").result == {"deleted": 1}
