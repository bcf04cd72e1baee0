"""Backup and restore of the whole system (REQUIREMENTS §11: data is never lost).

- `backup_create`: a consistent archive of the database and every uploaded file (archive.py), recorded as a
  Backup row. The daily job (`backup_scheduled_run`), "back up now" on the backups page (`backup_request`,
  queued to the worker) and `guanxi backup` all end here.
- `backup_retention_apply`: keep the newest archive of each of the last N days and M months, remove the rest.
- `backup_restore`: `guanxi restore FILE`. Checks the archive whole before touching anything, replaces the
  database and the files, then measures the restored database again and compares it with the manifest.
  Restoring is a command-line action only: it replaces everything, the web application included.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db import DatabaseError, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ..errors import InvalidStateError
from ..i18n import Message
from ..models import AuditLog, Backup
from ..ports import PERMISSIONS
from ..registry import registry
from ..services import audit_record
from . import archive, database
from .errors import BackupError
from .manifest import backed_up_models, file_sha256, storage_file_digest, storage_names, table_digests
from .portable import portable_data_load

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser as User

log = logging.getLogger(__name__)
ADMIN_PERMISSION = "org.admin"
NAME_PREFIX = "guanxi-backup-"
# No backup of a CRM runs this long: one still marked running after it lost its worker.
STALE_AFTER = dt.timedelta(hours=6)


def backup_dir() -> Path:
    return Path(settings.GUANXI_BACKUP_DIR)


def _storage_skip_prefixes(storage: Storage, folder: Path) -> tuple[str, ...]:
    """Backups written inside the media folder are not themselves backed up again."""
    if isinstance(storage, FileSystemStorage):
        root = Path(storage.location).resolve()
        target = folder.resolve()
        if target.is_relative_to(root) and target != root:
            return (target.relative_to(root).as_posix() + "/",)
    return ()


def _archive_name(now: dt.datetime) -> str:
    return f"{NAME_PREFIX}{now.astimezone(dt.UTC):%Y%m%d-%H%M%S}.tar"


def _summary(manifest: dict[str, Any]) -> dict[str, Any]:
    tables = manifest["tables"]
    return {
        "database": manifest["database"]["vendor"],
        "tables": len(tables),
        "rows": sum(t["rows"] for t in tables.values()),
        "files": len(manifest["files"]),
        "file_bytes": sum(f["size"] for f in manifest["files"]),
    }


# --- making backups --------------------------------------------------------------------------
def backup_create(
    *,
    actor: User | None = None,
    trigger: str = Backup.Trigger.COMMAND,
    to_dir: Path | None = None,
    backup_id: int | None = None,
    now: dt.datetime | None = None,
    storage: Storage | None = None,
) -> Backup:
    """Write one backup archive and record how it went. Raises BackupError (recorded as failed) when it cannot."""
    now = now or timezone.now()
    storage = storage or default_storage
    folder = (Path(to_dir) if to_dir else backup_dir()).resolve()
    if backup_id is not None:
        backup = Backup.objects.get(pk=backup_id)
        if backup.status != Backup.Status.QUEUED:
            return backup  # already run (a retried task)
        actor = backup.requested_by
    else:
        backup = Backup.objects.create(trigger=trigger, requested_by_id=actor.pk if actor else None, created_at=now)
    path = folder / _archive_name(now)
    Backup.objects.filter(pk=backup.pk).update(status=Backup.Status.RUNNING, started_at=now, path=str(path))
    try:
        if path.exists():
            raise BackupError(_("%(path)s already exists.") % {"path": path})
        written = archive.archive_write(
            folder=folder, name=path.name, storage=storage, skip_prefixes=_storage_skip_prefixes(storage, folder)
        )
    except (BackupError, OSError, DatabaseError) as exc:
        message = exc.message if isinstance(exc, BackupError) else f"{type(exc).__name__}: {exc}"
        Backup.objects.filter(pk=backup.pk).update(
            status=Backup.Status.FAILED, finished_at=timezone.now(), error=message[:5000]
        )
        log.error("backup %s failed: %s", backup.pk, message)
        raise BackupError(_("The backup failed: %(error)s") % {"error": message}) from exc
    with transaction.atomic():
        Backup.objects.filter(pk=backup.pk).update(
            status=Backup.Status.DONE,
            finished_at=timezone.now(),
            size=written.size,
            sha256=written.sha256,
            summary=_summary(written.manifest),
        )
        backup.refresh_from_db()
        audit_record(
            actor=actor,
            action=AuditLog.Action.EXPORT,
            obj=backup,
            message=Message(
                gettext_noop("Backup written: %(path)s (%(size)s bytes)"),
                {"path": str(written.path), "size": written.size},
            ),
            changes={"summary": backup.summary},
        )
    return backup


def backups_interrupted_mark(*, now: dt.datetime | None = None) -> int:
    """A backup still "running" after STALE_AFTER lost its worker (stopped, killed): record it as failed."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    return Backup.objects.filter(status=Backup.Status.RUNNING, started_at__lt=cutoff).update(
        status=Backup.Status.FAILED, finished_at=now or timezone.now(), error="interrupted: the worker stopped"
    )


def backup_request(*, actor: User) -> Backup:
    """ "Back up now" on the backups page: an administrator queues a backup for the worker."""
    registry.port(PERMISSIONS).require_permission(actor, ADMIN_PERMISSION)
    with transaction.atomic():
        backups_interrupted_mark()
        if Backup.objects.filter(status__in=[Backup.Status.QUEUED, Backup.Status.RUNNING]).exists():
            raise InvalidStateError(_("A backup is already queued or running; wait for it to finish."))
        backup = Backup.objects.create(trigger=Backup.Trigger.PAGE, requested_by_id=actor.pk)
        audit_record(
            actor=actor, action=AuditLog.Action.CREATE, obj=backup, message=Message(gettext_noop("Backup requested"))
        )
        backup_id = backup.pk

        def enqueue() -> None:
            from .tasks import backup_run

            backup_run.enqueue(backup_id=backup_id)

        transaction.on_commit(enqueue)
    return backup


def backup_download_record(*, actor: User, backup: Backup) -> None:
    """A backup file leaves the server: the audit trail says who took which one."""
    registry.port(PERMISSIONS).require_permission(actor, ADMIN_PERMISSION)
    audit_record(
        actor=actor,
        action=AuditLog.Action.EXPORT,
        obj=backup,
        message=Message(gettext_noop("Backup downloaded: %(file)s"), {"file": backup.file_name}),
    )


def backup_retention_apply(
    *, keep_daily: int | None = None, keep_monthly: int | None = None, folder: Path | None = None
) -> list[Backup]:
    """Keep the newest backup of each of the last `keep_daily` days and of each of the last `keep_monthly`
    months (days and months that have a backup, in the installation's time zone); remove the other archives
    in the backup folder. Rows stay, marked removed. Returns the backups removed."""
    keep_daily = settings.GUANXI_BACKUP_KEEP_DAILY if keep_daily is None else keep_daily
    keep_monthly = settings.GUANXI_BACKUP_KEEP_MONTHLY if keep_monthly is None else keep_monthly
    folder = (folder or backup_dir()).resolve()
    done = [
        b
        for b in Backup.objects.filter(status=Backup.Status.DONE).order_by("-started_at", "-id")
        if b.path and Path(b.path).resolve().parent == folder
    ]
    keep: set[int] = set()
    for limit, period in ((keep_daily, "%Y-%m-%d"), (keep_monthly, "%Y-%m")):
        seen: set[str] = set()
        for b in done:
            key = timezone.localtime(b.started_at or b.created_at).strftime(period)
            if key not in seen and len(seen) < limit:
                seen.add(key)
                keep.add(b.pk)
    removed = [b for b in done if b.pk not in keep]
    for b in removed:
        Path(b.path).unlink(missing_ok=True)
        with transaction.atomic():
            Backup.objects.filter(pk=b.pk).update(status=Backup.Status.REMOVED)
            audit_record(
                actor=None,
                action=AuditLog.Action.DELETE,
                obj=b,
                message=Message(gettext_noop("Backup removed by retention: %(path)s"), {"path": b.path}),
            )
    return removed


def backup_scheduled_run(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """The daily backup, asked every hour: from GUANXI_BACKUP_HOUR (local time) on, once a day, then retention.

    A day whose scheduled backup failed is tried again the next hour; a worker that was down at the backup
    hour backs up as soon as it runs again that day.
    """
    now = now or timezone.now()
    local = timezone.localtime(now)
    backups_interrupted_mark(now=now)
    if not settings.GUANXI_BACKUP_DAILY:
        return {"skipped": "GUANXI_BACKUP_DAILY is off"}
    if local.hour < settings.GUANXI_BACKUP_HOUR:
        return {"skipped": f"before {settings.GUANXI_BACKUP_HOUR}:00"}
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    today = Backup.objects.filter(trigger=Backup.Trigger.SCHEDULE, started_at__gte=day_start, started_at__lte=now)
    if today.filter(status__in=[Backup.Status.DONE, Backup.Status.RUNNING, Backup.Status.REMOVED]).exists():
        return {"skipped": "already backed up today"}
    backup = backup_create(trigger=Backup.Trigger.SCHEDULE, now=now)
    removed = backup_retention_apply()
    return {"backup": backup.file_name, "size": backup.size, "removed": [b.file_name for b in removed]}


# --- restoring -------------------------------------------------------------------------------
@dataclass
class RestoreReport:
    archive: Path
    vendor: str
    created_at: str
    guanxi_version: str
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: int = 0
    file_bytes: int = 0
    files_left: int = 0
    cross_vendor: bool = False
    portable: bool = False
    pending_migrations: bool = False

    @property
    def rows(self) -> int:
        return sum(t["rows"] for t in self.tables.values())


def database_holds_data(using: str = "default") -> bool:
    """Whether the database holds anything to lose: a user account or an audit entry (every write leaves one)."""
    from django.contrib.auth import get_user_model

    tables = set(connections[using].introspection.table_names())
    user_model = get_user_model()
    for model in (user_model, AuditLog):
        if model._meta.db_table in tables and model._base_manager.using(using).exists():
            return True
    return False


def _check_migrations_known(manifest: dict[str, Any], *, exact: bool) -> bool:
    """Refuse a backup from a newer Guanxi; returns whether this code has migrations the backup lacks."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    in_backup = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    unknown = sorted(in_backup - known)
    if unknown:
        raise BackupError(
            _(
                "This backup was made by a newer Guanxi (%(version)s): it has migrations this version does not know "
                "(%(names)s). Upgrade Guanxi first."
            )
            % {"version": manifest.get("guanxi_version"), "names": ", ".join(f"{a}.{n}" for a, n in unknown[:5])}
        )
    missing = known - in_backup
    if exact and missing:
        raise BackupError(
            _("A move between SQLite and PostgreSQL needs the same Guanxi version as the backup (%(version)s).")
            % {"version": manifest.get("guanxi_version")}
        )
    return bool(missing)


def backup_restore(
    *, path: Path, force: bool = False, portable: bool = False, storage: Storage | None = None
) -> RestoreReport:
    """Replace the database and the uploaded files with the backup at `path`, then prove it (see module doc).

    Refused, with nothing changed: a damaged or foreign file, a backup from a newer Guanxi, a database that
    holds data (unless `force`). A backup from the other database vendor (or any, with `portable`) is loaded from
    its portable section.
    """
    storage = storage or default_storage
    path = Path(path)
    if not force and database_holds_data():
        raise BackupError(
            _(
                "This database already holds data. Restoring replaces all of it: run the restore again with --force "
                "if that is what you want."
            )
        )
    with archive.opened_archive(path) as opened:
        manifest = opened.manifest
        here = database.vendor()
        cross_vendor = manifest["database"]["vendor"] != here
        portable = portable or cross_vendor
        pending = _check_migrations_known(manifest, exact=portable)
        if portable:
            _restore_portable(opened)
        else:
            database.restore(source=opened.dump)
        report = RestoreReport(
            archive=path,
            vendor=manifest["database"]["vendor"],
            created_at=manifest["created_at"],
            guanxi_version=manifest.get("guanxi_version", ""),
            cross_vendor=cross_vendor,
            portable=portable,
            pending_migrations=pending,
        )
        report.tables = _verify_tables(manifest)
        _restore_files(opened, storage, report)
    with transaction.atomic():
        _backups_settle(archive_path=path, manifest=manifest)
        audit_record(
            actor=None,
            action=AuditLog.Action.RESTORE,
            message=Message(
                gettext_noop("Database and files restored from %(file)s (%(rows)s rows, %(files)s files)"),
                {"file": path.name, "rows": report.rows, "files": report.files},
            ),
        )
    return report


def _backups_settle(*, archive_path: Path, manifest: dict[str, Any]) -> None:
    """The restored ledger shows the backup being restored as still running (it was, at the snapshot): it is done.
    Any other backup that was queued or running then never finished in this database's history."""
    running = Backup.objects.filter(status__in=[Backup.Status.QUEUED, Backup.Status.RUNNING])
    with archive_path.open("rb") as fh:
        size, sha = file_sha256(fh)
    running.filter(path__endswith=f"/{archive_path.name}").update(
        status=Backup.Status.DONE,
        finished_at=dt.datetime.fromisoformat(manifest["created_at"]),
        size=size,
        sha256=sha,
        summary=_summary(manifest),
    )
    running.update(status=Backup.Status.FAILED, error="interrupted: the database was restored from a backup")


def _restore_portable(opened: archive.Opened) -> None:
    """Load a backup of the other vendor: build the schema with migrate, then insert every row, in one go."""
    from django.core.management import call_command
    from django.core.management.color import no_style

    connection = connections["default"]
    call_command("migrate", interactive=False, verbosity=0)
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with transaction.atomic():
        connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables, allow_cascade=True))
        portable_data_load(opened.portable)
        with connection.cursor() as cur:
            for sql in connection.ops.sequence_reset_sql(no_style(), backed_up_models()):
                cur.execute(sql)
        connection.check_constraints()


def _verify_tables(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Measure the restored database and compare it with the manifest, table by table."""
    restored = table_digests()
    expected = manifest["tables"]
    differ = sorted(t for t in expected if restored.get(t) != expected[t])
    if differ:
        raise BackupError(
            _("The restored database does not match the backup's manifest in %(count)s table(s): %(tables)s.")
            % {"count": len(differ), "tables": ", ".join(differ[:10])}
        )
    return restored


def _restore_files(opened: archive.Opened, storage: Storage, report: RestoreReport) -> None:
    """Put every file of the backup back under its own name and check it; files the backup lacks stay."""
    wanted = {entry["name"]: entry for entry in opened.manifest["files"]}
    for name, entry in wanted.items():
        if storage.exists(name):
            storage.delete(name)
        with opened.file_path(name).open("rb") as fh:
            saved = storage.save(name, File(fh, name=name))
        if saved != name or storage_file_digest(storage, name) != entry:
            raise BackupError(_("The file %(name)s could not be restored as it was.") % {"name": name})
        report.files += 1
        report.file_bytes += entry["size"]
    report.files_left = len(set(storage_names(storage)) - set(wanted))
