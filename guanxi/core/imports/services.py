"""Every write of the import engine: upload, column mapping, dry run, the background run and its report.

The flow: `import_job_create` reads and checks the file (a bad file is refused before anything is
written) and proposes a column mapping; `import_job_check` saves the user's mapping and queues a
dry run; `import_job_start` queues the import; the worker's task calls `import_job_execute`, which
does either. The import itself is one transaction: with "all or nothing" any bad row means nothing
is written; with "skip bad rows" the good rows are written and the bad ones reported with reasons.

A worker takes a job by writing its id on it (compare-and-set), and the import commits only while the
job is still that worker's: a worker that dies mid-import leaves nothing written, and once its lease
runs out (guanxi/core/workers.py) `import_jobs_recover_lost` marks the job failed so it can be run again.
A failed job's counts say what was committed: nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core import context
from guanxi.core.errors import ApplicationError, InvalidStateError, NotFoundError, ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog, ImportJob, ImportMapping
from guanxi.core.registry import registry
from guanxi.core.services import audit_record, notify

from .base import Action, Importer, RowOutcome
from .mapping import auto_map, clean_mapping, mapping_to_remember
from .reading import ENCODINGS, FileRefused, Table, max_file_bytes, read_table
from .values import cell_text

log = logging.getLogger(__name__)

PROGRESS_EVERY = 2000
PREVIEW_ROWS = 5
Status = ImportJob.Status
# A job in one of these states is already on its way (or done): starting it again does nothing.
STARTED = {Status.QUEUED, Status.RUNNING, Status.DONE}
EDITABLE = {Status.UPLOADED, Status.CHECKED, Status.FAILED}

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser as User  # AUTH_USER_MODEL (org.User)


def get_importer(kind: str) -> Importer:
    importer = registry.importers.get(kind or "")
    if importer is None:
        msg = _("Choose what to import.")
        raise ValidationFailed(msg, fields={"kind": [msg]})
    return importer


def _own_job(actor: User, job_id: Any) -> ImportJob:
    try:
        return ImportJob.objects.get(pk=int(job_id), user=actor)
    except (ImportJob.DoesNotExist, ValueError, TypeError):
        raise NotFoundError(_("Not found, or you may not see it."))


def _check_mode(mode: str) -> str:
    mode = mode or ImportJob.Mode.ALL_OR_NOTHING
    if mode not in ImportJob.Mode.values:
        msg = _("Choose all or nothing, or skip bad rows.")
        raise ValidationFailed(msg, fields={"mode": [msg]})
    return mode


def _read_upload(file: Any) -> bytes:
    size = getattr(file, "size", None)
    if size is not None and size > max_file_bytes():
        raise FileRefused(
            _("The file is larger than %(mb)s MB. Split it into smaller files.") % {"mb": max_file_bytes() // 2**20}
        )
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(max_file_bytes() + 1)
    return data if isinstance(data, bytes) else str(data).encode("utf-8")


def _preview(table: Table) -> list[list[str]]:
    width = len(table.headers)
    return [[cell_text(v)[:100] for v in (cells + [None] * width)[:width]] for _n, cells in table.rows[:PREVIEW_ROWS]]


# --- upload ----------------------------------------------------------------------------------
def import_job_create(
    *,
    actor: User,
    kind: str,
    file: Any,
    file_name: str = "",
    mode: str = "",
    encoding: str = "",
    mapping: dict[str, Any] | None = None,
    idempotency_key: str = "",
) -> tuple[ImportJob, bool]:
    """Store an uploaded file as a new import job, with a proposed column mapping.

    Returns (job, created). The same Idempotency-Key from the same user returns the existing job
    (created False) and stores nothing, so a double submit never imports twice. A file that cannot
    be imported (wrong format, empty, no header, too many rows, a huge cell, broken encoding) is
    refused with FileRefused before anything is written.
    """
    importer = get_importer(kind)
    importer.require_permission(actor)
    key = (idempotency_key or "").strip()
    if len(key) > 200:
        msg = _("Idempotency-Key must be 1 to 200 characters.")
        raise ValidationFailed(msg, fields={"idempotency_key": [msg]})
    if key:
        existing = ImportJob.objects.filter(user=actor, idempotency_key=key).first()
        if existing is not None:
            return existing, False
    mode = _check_mode(mode)
    if encoding not in ENCODINGS:
        msg = _("Unknown encoding %(name)s.") % {"name": str(encoding)[:20]}
        raise ValidationFailed(msg, fields={"encoding": [msg]})
    if file is None:
        msg = _("Choose a file.")
        raise ValidationFailed(msg, fields={"file": [msg]})
    name = os.path.basename(file_name or getattr(file, "name", "") or "import")[:200] or "import"
    data = _read_upload(file)
    table = read_table(data, file_name=name, encoding=encoding)
    if mapping is not None:
        proposed = clean_mapping(mapping, table.headers, importer)
    else:
        remembered = ImportMapping.objects.filter(user=actor, kind=importer.kind).values_list("mapping", flat=True)
        proposed = auto_map(table.headers, importer, next(iter(remembered), None))
    ctx = context.current()
    job = ImportJob(
        user=actor,
        kind=importer.kind,
        file_name=name,
        encoding=table.encoding if table.format == "csv" else "",
        mapping=proposed,
        mode=mode,
        idempotency_key=key,
        total_rows=len(table.rows),
        report={
            "headers": table.headers,
            "preview": _preview(table),
            "format": table.format,
            "delimiter": table.delimiter,
            "request": {"ip": ctx.ip, "request_id": ctx.request_id},
        },
    )
    job.file.save(f"{uuid.uuid4().hex}.{table.format}", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            job.save()
    except IntegrityError:  # the same key raced in from a second request: answer with the first job
        job.file.delete(save=False)
        existing = ImportJob.objects.filter(user=actor, idempotency_key=key).first()
        if existing is None:
            raise
        return existing, False
    return job, True


def import_job_submit(
    *,
    actor: User,
    kind: str,
    file: Any,
    file_name: str = "",
    mode: str = "",
    encoding: str = "",
    mapping: dict[str, Any] | None = None,
    idempotency_key: str = "",
    dry_run: bool = True,
) -> tuple[ImportJob, bool]:
    """Upload and go on in one step (the API): a dry run, or straight to the import when dry_run is false."""
    with transaction.atomic():
        job, created = import_job_create(
            actor=actor,
            kind=kind,
            file=file,
            file_name=file_name,
            mode=mode,
            encoding=encoding,
            mapping=mapping,
            idempotency_key=idempotency_key,
        )
        if not created:
            return job, False
        try:
            if dry_run:
                job = import_job_check(actor=actor, job_id=job.pk)
            else:
                job = import_job_start(actor=actor, job_id=job.pk)
        except ApplicationError:
            job.file.delete(save=False)  # the job row rolls back; its file must go too
            raise
    return job, True


# --- mapping, dry run, start -----------------------------------------------------------------
def import_job_check(
    *, actor: User, job_id: Any, mapping: dict[str, Any] | None = None, remember: bool = True
) -> ImportJob:
    """Save the column mapping (remembered for the user's next file of this kind) and queue a dry run."""
    job = _own_job(actor, job_id)
    importer = get_importer(job.kind)
    importer.require_permission(actor)
    if job.status not in EDITABLE:
        raise InvalidStateError(_("This import has already started."))
    headers = job.report.get("headers", [])
    chosen = clean_mapping(job.mapping if mapping is None else mapping, headers, importer)
    with transaction.atomic():
        job.mapping = chosen
        job.status = Status.CHECKING
        job.processed_rows = 0
        job.error = ""
        job.worker_id = ""
        job.save(update_fields=["mapping", "status", "processed_rows", "error", "worker_id", "updated_at"])
        if remember and mapping is not None:
            ImportMapping.objects.update_or_create(
                user=actor, kind=job.kind, defaults={"mapping": mapping_to_remember(chosen, headers)}
            )
        _enqueue(job.pk)
    return job


def import_job_start(*, actor: User, job_id: Any, mode: str = "") -> ImportJob:
    """Queue the import, after a dry run or again after a failure ("run again"). Starting a job that is already
    queued, running or done changes nothing."""
    job = _own_job(actor, job_id)
    if job.status in STARTED:
        return job
    importer = get_importer(job.kind)
    importer.require_permission(actor)
    if job.status not in EDITABLE:
        raise InvalidStateError(_("Wait for the dry run to finish."))
    clean_mapping(job.mapping, job.report.get("headers", []), importer)
    with transaction.atomic():
        # Compare-and-set: of two simultaneous clicks only one queues the job.
        updated = ImportJob.objects.filter(pk=job.pk, status=job.status).update(
            status=Status.QUEUED,
            mode=_check_mode(mode or job.mode),
            processed_rows=0,
            error="",
            worker_id="",
            created_count=0,
            updated_count=0,
            finished_at=None,
            updated_at=timezone.now(),
        )
        if updated:
            _enqueue(job.pk)
    job.refresh_from_db()
    return job


def _enqueue(job_id: int) -> None:
    from .tasks import import_job_process

    transaction.on_commit(lambda: import_job_process.enqueue(job_id=job_id))


# --- the worker ------------------------------------------------------------------------------
class _BadRows(Exception):
    pass


class _NoLongerOurs(Exception):
    """The job was taken from this worker (its lease ran out and the job was failed, maybe run again)."""


def import_job_execute(*, job_id: int, worker_id: str = "", now: dt.datetime | None = None) -> dict[str, Any]:
    """Run a queued dry run or import (the background task) as worker `worker_id`. Never raises: failures end in
    FAILED."""
    job = ImportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None:
        return {"status": "missing"}
    # Compare-and-set: of two workers only one takes the job, and it carries the taker's id from now on.
    if job.status == Status.CHECKING:
        taken = ImportJob.objects.filter(pk=job.pk, status=Status.CHECKING, worker_id="").update(
            worker_id=worker_id, updated_at=timezone.now()
        )
        dry_run = True
    elif job.status == Status.QUEUED:
        taken = ImportJob.objects.filter(pk=job.pk, status=Status.QUEUED).update(
            status=Status.RUNNING, worker_id=worker_id, updated_at=timezone.now()
        )
        job.status = Status.RUNNING
        dry_run = False
    else:
        return {"status": job.status}
    if not taken:
        return {"status": "taken"}  # another worker has it
    job.worker_id = worker_id
    request = job.report.get("request") or {}
    with context.bind(ip=request.get("ip"), request_id=request.get("request_id") or None):
        try:
            return _execute(job, dry_run=dry_run, now=now or timezone.now())
        except Exception as exc:
            if isinstance(exc, ApplicationError):
                message = exc.message
            else:
                log.exception("import job %s failed", job.pk)
                message = _("The import stopped because of an unexpected error; nothing was written. It was logged.")
            try:
                _finish_failed(job, message=message, dry_run=dry_run, report=_failed_report(job.report))
            except Exception:  # e.g. the database is gone: the log is all that is left
                log.exception("import job %s: could not record the failure", job.pk)
            return {"status": Status.FAILED, "error": message}


def _progress(job: ImportJob) -> Any:
    def update(done: int) -> None:
        if done % PROGRESS_EVERY == 0 or done == job.total_rows:
            # updated_at doubles as the heartbeat that import_jobs_fail_stale looks at.
            ImportJob.objects.filter(pk=job.pk).update(processed_rows=done, updated_at=timezone.now())

    return update


def _load(job: ImportJob, importer: Importer) -> list[RowOutcome]:
    with job.file.open("rb") as fh:
        data = fh.read()
    table = read_table(data, file_name=job.file_name, encoding=job.encoding)
    columns = [(int(col), key) for col, key in job.mapping.items()]
    outcomes = []
    for number, cells in table.rows:
        values = {key: (cells[col] if col < len(cells) else None) for col, key in columns}
        outcomes.append(RowOutcome(row=number, values=values))
    if len(outcomes) != job.total_rows:
        job.total_rows = len(outcomes)
        ImportJob.objects.filter(pk=job.pk).update(total_rows=job.total_rows)
    return outcomes


def _counts(outcomes: list[RowOutcome]) -> dict[str, int]:
    counts = {Action.CREATE: 0, Action.UPDATE: 0, Action.UNCHANGED: 0, Action.REJECT: 0}
    for o in outcomes:
        counts[o.action] += 1
    return counts


def _report(job: ImportJob, outcomes: list[RowOutcome], *, dry_run: bool) -> dict[str, Any]:
    keep = {k: job.report[k] for k in ("headers", "preview", "format", "delimiter", "request") if k in job.report}
    return {
        **keep,
        "dry_run": dry_run,
        "counts": _counts(outcomes),
        # [row, action, label, reasons, record id]: the row-by-row report (downloadable as XLSX).
        "rows": [[o.row, o.action, o.label[:200], "; ".join(o.reasons), o.target_id] for o in outcomes],
    }


def _execute(job: ImportJob, *, dry_run: bool, now: dt.datetime) -> dict[str, Any]:
    actor = job.user
    importer = get_importer(job.kind)
    if not actor.is_active:
        raise InvalidStateError(_("The account that started this import is closed."))
    importer.require_permission(actor)
    outcomes = _load(job, importer)
    importer.parse(actor=actor, outcomes=outcomes, progress=_progress(job))
    for o in outcomes:
        o.mark_parsed()
    decided_at = timezone.now()
    importer.decide(actor=actor, outcomes=outcomes)
    if dry_run:
        report = _report(job, outcomes, dry_run=True)
        if not _save(job, dry_run=True, status=Status.CHECKED, report=report, counts=report["counts"], finished=False):
            return {"status": "taken"}
        return {"status": Status.CHECKED, "counts": report["counts"]}
    # The heavy work happens before the write transaction, which on SQLite holds the only write lock.
    importer.prepare(actor=actor, outcomes=outcomes)
    try:
        with transaction.atomic():
            importer.recheck(actor=actor, outcomes=outcomes, since=decided_at)
            counts = _counts(outcomes)
            if counts[Action.REJECT] and job.mode == ImportJob.Mode.ALL_OR_NOTHING:
                raise _BadRows()
            importer.apply(actor=actor, outcomes=outcomes, job=job, now=now)
            report = _report(job, outcomes, dry_run=False)
            audit_record(
                actor=actor,
                action=AuditLog.Action.OTHER,
                obj=job,
                message=_(
                    "Import of %(kind)s from %(file)s: %(created)s created, %(updated)s updated, %(rejected)s rejected"
                )
                % {
                    "kind": importer.label,
                    "file": job.file_name,
                    "created": counts[Action.CREATE],
                    "updated": counts[Action.UPDATE],
                    "rejected": counts[Action.REJECT],
                },
                changes={
                    "import": [None, "import"],
                    "kind": [None, job.kind],
                    "file": [None, job.file_name],
                    "mode": [None, job.mode],
                    "counts": [None, counts],
                },
            )
            if not _save(job, dry_run=False, status=Status.DONE, report=report, counts=counts, finished=True, now=now):
                raise _NoLongerOurs()  # roll back every row written above: the job is no longer this worker's
            notify(
                recipient=actor,
                kind="import_done",
                url=_job_url(job),
                title=_("Import finished: %(file)s") % {"file": job.file_name},
                body=_("%(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(rejected)s rejected.")
                % {
                    "created": counts[Action.CREATE],
                    "updated": counts[Action.UPDATE],
                    "unchanged": counts[Action.UNCHANGED],
                    "rejected": counts[Action.REJECT],
                },
            )
    except _NoLongerOurs:
        log.warning(
            "import job %s was taken from worker %r before it could commit: nothing written", job.pk, job.worker_id
        )
        return {"status": "taken"}
    except _BadRows:
        _finish(importer, actor=actor, outcomes=outcomes, job=job, committed=False)
        report = _failed_report(_report(job, outcomes, dry_run=False), rejected=_counts(outcomes)[Action.REJECT])
        rejected = report["counts"][Action.REJECT]
        message = _(
            "%(count)s rows have errors, so nothing was imported (all or nothing). Fix them and upload the file "
            "again, or choose “skip bad rows”."
        ) % {"count": rejected}
        _finish_failed(job, message=message, dry_run=False, report=report)
        return {"status": Status.FAILED, "counts": report["counts"]}
    _finish(importer, actor=actor, outcomes=outcomes, job=job, committed=True)
    return {"status": Status.DONE, "counts": counts}


def _finish(importer: Importer, **kwargs: Any) -> None:
    """The importer's after-work must not turn a finished import into a failed one."""
    try:
        importer.finish(**kwargs)
    except Exception:
        log.exception("import job %s: the after-work of the %s importer failed", kwargs["job"].pk, importer.kind)


def _save(
    job: ImportJob,
    *,
    dry_run: bool,
    status: str,
    report: dict[str, Any],
    counts: dict[str, int],
    finished: bool,
    now: dt.datetime | None = None,
    error: str = "",
) -> bool:
    """Record the end of the run, only while the job is still this worker's (compare-and-set on the status the
    worker left it in and its id): False when it was taken away meanwhile, and nothing is saved."""
    values: dict[str, Any] = {
        "status": status,
        "report": report,
        "created_count": counts.get(Action.CREATE, 0),
        "updated_count": counts.get(Action.UPDATE, 0),
        "rejected_count": counts.get(Action.REJECT, 0),
        "processed_rows": job.total_rows,
        "error": error,
        "updated_at": timezone.now(),
    }
    if finished:
        values["finished_at"] = now or timezone.now()
    running = Status.CHECKING if dry_run else Status.RUNNING
    if not ImportJob.objects.filter(pk=job.pk, status=running, worker_id=job.worker_id).update(**values):
        return False
    for name, value in values.items():
        setattr(job, name, value)
    return True


def _failed_report(report: dict[str, Any], *, rejected: int = 0) -> dict[str, Any]:
    """The report of a run that wrote nothing: its counts say so (0 created, 0 updated), and what its rows were
    judged stays under "verdicts" (the reasons to fix before running it again)."""
    verdicts = report.get("verdicts") or report.get("counts")
    committed = {Action.CREATE: 0, Action.UPDATE: 0, Action.UNCHANGED: 0, Action.REJECT: rejected}
    return {**report, "counts": committed, "verdicts": verdicts} if verdicts else {**report, "counts": committed}


def _finish_failed(job: ImportJob, *, message: str, dry_run: bool, report: dict[str, Any]) -> None:
    with transaction.atomic():
        failed = _save(
            job,
            dry_run=dry_run,
            status=Status.FAILED,
            report=report,
            counts=report["counts"],
            finished=True,
            error=message,
        )
        if not failed:
            return  # no longer this worker's job: whoever took it reports on it
        if not dry_run:
            notify(
                recipient=job.user,
                kind="import_failed",
                level="warning",
                url=_job_url(job),
                title=_("Import failed: %(file)s") % {"file": job.file_name},
                body=message,
            )


# --- jobs a crashed worker left behind ---------------------------------------------------------
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


def _job_url(job: ImportJob) -> str:
    try:
        return reverse("imports:detail", args=[job.pk])
    except Exception:  # the failure path must not fail on the URL configuration
        log.exception("cannot reverse imports:detail")
        return f"/imports/{job.pk}/"
