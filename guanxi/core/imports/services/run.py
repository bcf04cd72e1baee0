"""The worker's side of an import: a queued dry run or import taken by one worker (compare-and-set), run, and
ended as checked, done or failed with its report; the failure path never raises.

A worker takes a job by writing its id on it, and the import commits only while the job is still that
worker's: a worker that dies mid-import leaves nothing written (see `recovery`).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import context
from guanxi.core.errors import ApplicationError, InvalidStateError
from guanxi.core.models import AuditLog, ImportJob
from guanxi.core.services import audit_record, notify

from ..base import Action, Importer, RowOutcome
from ..reading import read_table
from .jobs import get_importer

log = logging.getLogger(__name__)

PROGRESS_EVERY = 2000
Status = ImportJob.Status


log = logging.getLogger(__name__)


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
        except ApplicationError as exc:  # a refusal the user can act on (a closed account, a lost permission)
            message = exc.message
        # Swallowed on purpose, logged: whatever goes wrong, the job must end FAILED with a message for its user
        # (the transaction rolled back, nothing was written) instead of crashing the worker with the job stuck.
        except Exception:
            log.exception("import job %s failed", job.pk)
            message = _("The import stopped because of an unexpected error; nothing was written. It was logged.")
        try:
            _finish_failed(job, message=message, dry_run=dry_run, report=_failed_report(job.report))
        # Swallowed on purpose, logged: recording the failure failed too (e.g. the database is gone); the log is
        # all that is left, and the stale-job check marks the job failed later.
        except Exception:
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
            _audit_import(actor, importer, job, counts)
            if not _save(job, dry_run=False, status=Status.DONE, report=report, counts=counts, finished=True, now=now):
                raise _NoLongerOurs()  # roll back every row written above: the job is no longer this worker's
            _notify_done(actor, job, counts)
    except _NoLongerOurs:
        log.warning(
            "import job %s was taken from worker %r before it could commit: nothing written", job.pk, job.worker_id
        )
        return {"status": "taken"}
    except _BadRows:
        return _fail_bad_rows(importer, actor, outcomes, job)
    _finish(importer, actor=actor, outcomes=outcomes, job=job, committed=True)
    return {"status": Status.DONE, "counts": counts}


def _audit_import(actor: Any, importer: Importer, job: ImportJob, counts: dict[str, int]) -> None:
    audit_record(
        actor=actor,
        action=AuditLog.Action.OTHER,
        obj=job,
        message=_("Import of %(kind)s from %(file)s: %(created)s created, %(updated)s updated, %(rejected)s rejected")
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


def _notify_done(actor: Any, job: ImportJob, counts: dict[str, int]) -> None:
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


def _fail_bad_rows(importer: Importer, actor: Any, outcomes: list[RowOutcome], job: ImportJob) -> dict[str, Any]:
    """All or nothing and some rows are bad: nothing was written; the job fails with the rows' reasons."""
    _finish(importer, actor=actor, outcomes=outcomes, job=job, committed=False)
    report = _failed_report(_report(job, outcomes, dry_run=False), rejected=_counts(outcomes)[Action.REJECT])
    rejected = report["counts"][Action.REJECT]
    message = _(
        "%(count)s rows have errors, so nothing was imported (all or nothing). Fix them and upload the file "
        "again, or choose “skip bad rows”."
    ) % {"count": rejected}
    _finish_failed(job, message=message, dry_run=False, report=report)
    return {"status": Status.FAILED, "counts": report["counts"]}


def _finish(importer: Importer, **kwargs: Any) -> None:
    """The importer's after-work must not turn a finished import into a failed one."""
    try:
        importer.finish(**kwargs)
    # Swallowed on purpose, logged: the import is committed; an importer's after-work (e.g. recording registration
    # conflicts) failing must not report it as failed.
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


def _job_url(job: ImportJob) -> str:
    try:
        return reverse("imports:detail", args=[job.pk])
    except NoReverseMatch:  # the failure path must not fail on the URL configuration
        log.exception("cannot reverse imports:detail")
        return f"/imports/{job.pk}/"
