"""Jobs a crashed worker left behind: marked failed (nothing was written: an import is one transaction), audited,
and their users told, by the worker lease's recovery or by the periodic staleness check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog, ImportJob
from guanxi.core.services import audit_record, notify

from .run import _failed_report, _job_url

Status = ImportJob.Status
# A dry run or import in one of these states is being worked on; a worker that dies leaves it there.
IN_FLIGHT = (Status.CHECKING, Status.QUEUED, Status.RUNNING)
_IMPORT_FAILED = gettext_noop("Import failed: %(file)s")


def import_jobs_recover_lost(*, worker_ids: frozenset[str], now: dt.datetime | None = None) -> int:
    """Mark failed the dry runs and imports that lost workers held (the import engine's JobRecovery, called by
    guanxi/core/workers.py within a minute of a worker's death) and tell their users. An import is written in one
    transaction, so a lost one wrote nothing: its user can run it again at once. Returns how many were marked."""
    now = now or timezone.now()
    held = ImportJob.objects.filter(status__in=IN_FLIGHT, worker_id__in=worker_ids).exclude(worker_id="")
    message = Message(
        gettext_noop(
            "The worker stopped while running this job (it was restarted or its machine went down). An import "
            "is written in one transaction, so nothing was written. Run it again."
        )
    )
    marked = 0
    for job in held.select_related("user").order_by("pk"):
        audit_message = Message(
            gettext_noop("Import of %(file)s marked failed: the worker running it stopped"), {"file": job.file_name}
        )
        # Compare-and-set on the lost worker's id: a job taken again since the query is left alone.
        marked += _fail_left_behind(
            job, now=now, message=message, audit_message=audit_message, still={"worker_id": job.worker_id}
        )
    return marked


def import_jobs_fail_stale(*, now: dt.datetime | None = None) -> int:
    """Mark failed the jobs that have not moved for GUANXI_IMPORT_STALE_MINUTES and tell their users
    (the periodic job): the backstop for jobs no worker lease covers, such as a job queued while no worker ran
    and never taken. A job's updated_at is its heartbeat: set when it is queued, taken by a worker and on every
    progress step. Returns how many were marked."""
    now = now or timezone.now()
    minutes = settings.GUANXI_IMPORT_STALE_MINUTES
    cutoff = now - dt.timedelta(minutes=minutes)
    stale = ImportJob.objects.filter(status__in=IN_FLIGHT, updated_at__lt=cutoff).select_related("user")
    message = Message(
        gettext_noop(
            "The import stopped without finishing: no worker reported on it for %(minutes)s minutes (the worker "
            "was probably restarted). An import is written in one transaction, so nothing was written. Start it "
            "again."
        ),
        {"minutes": minutes},
    )
    marked = 0
    for job in stale.order_by("pk"):
        audit_message = Message(
            gettext_noop("Import of %(file)s marked failed: no progress for %(minutes)s minutes"),
            {"file": job.file_name, "minutes": minutes},
        )
        # Compare-and-set: a job that moved since the query (a slow worker after all) is left alone.
        marked += _fail_left_behind(
            job, now=now, message=message, audit_message=audit_message, still={"updated_at": job.updated_at}
        )
    return marked


def _fail_left_behind(
    job: ImportJob, *, now: dt.datetime, message: Message, audit_message: Message, still: dict[str, Any]
) -> bool:
    """Mark failed a job its worker left behind, if it is still as found (`still`), with nothing counted as
    written; audit it and tell the user. The job's error is written in its user's language (only they see it); the
    audit line and notification are rendered in each reader's. True when it was marked."""
    report = _failed_report(job.report)
    with translation.override(getattr(job.user, "language", "") or settings.LANGUAGE_CODE):
        error = str(message)
    with transaction.atomic():
        if not ImportJob.objects.filter(pk=job.pk, status=job.status, **still).update(
            status=Status.FAILED,
            error=error,
            report=report,
            created_count=0,
            updated_count=0,
            rejected_count=0,
            finished_at=now,
            updated_at=now,
        ):
            return False
        old_status = job.status
        job.status, job.error, job.report = Status.FAILED, error, report
        audit_record(
            actor=None,
            action=AuditLog.Action.OTHER,
            obj=job,
            message=audit_message,
            changes={"status": [old_status, Status.FAILED]},
        )
        title = gettext_noop("Dry run failed: %(file)s") if old_status == Status.CHECKING else _IMPORT_FAILED
        notify(
            recipient=job.user,
            kind="import_failed",
            level="warning",
            url=_job_url(job),
            title=Message(title, {"file": job.file_name}),
            body=message,
        )
    return True
