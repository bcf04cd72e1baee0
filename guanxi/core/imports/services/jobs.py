"""The user's side of an import: upload (the file read and checked, a column mapping proposed), the mapping and
the dry run, the start; the worker's side is in `run`."""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import context
from guanxi.core.errors import ApplicationError, InvalidStateError, NotFoundError, ValidationFailed
from guanxi.core.models import ImportJob, ImportMapping
from guanxi.core.registry import registry

from ..base import Importer
from ..mapping import auto_map, clean_mapping, mapping_to_remember
from ..reading import ENCODINGS, FileRefused, Table, max_file_bytes, read_table
from ..values import cell_text

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
    job = _new_job(actor, importer, table, file_name=name, mode=mode, key=key, mapping=mapping)
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


def _new_job(
    actor: User,
    importer: Importer,
    table: Table,
    *,
    file_name: str,
    mode: str,
    key: str,
    mapping: dict[str, Any] | None,
) -> ImportJob:
    """The job for a file that was read: the mapping given, or one proposed from the headers (and the user's last
    mapping for this kind), the preview, and the request it came from."""
    if mapping is not None:
        proposed = clean_mapping(mapping, table.headers, importer)
    else:
        remembered = ImportMapping.objects.filter(user=actor, kind=importer.kind).values_list("mapping", flat=True)
        proposed = auto_map(table.headers, importer, next(iter(remembered), None))
    ctx = context.current()
    return ImportJob(
        user=actor,
        kind=importer.kind,
        file_name=file_name,
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
    from ..tasks import import_job_process

    transaction.on_commit(lambda: import_job_process.enqueue(job_id=job_id))
