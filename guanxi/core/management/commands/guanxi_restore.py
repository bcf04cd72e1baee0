"""`guanxi restore FILE [--force]`: replace the database and the uploaded files with a backup, and prove it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from guanxi.core.backup.errors import BackupError


class Command(BaseCommand):
    help = "Restore the database and the uploaded files from a `guanxi backup` archive (stop web and worker first)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="The backup archive (.tar).")
        parser.add_argument(
            "--force", action="store_true", help="Replace a database that already holds data (all of it is lost)."
        )
        parser.add_argument(
            "--portable",
            action="store_true",
            help="Load the portable data section instead of the database copy (automatic for the other vendor).",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        from guanxi.core.backup.services import backup_restore

        try:
            report = backup_restore(path=Path(opts["file"]), force=opts["force"], portable=opts["portable"])
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        out = self.stdout
        out.write(
            _("Restored %(archive)s (made %(created)s by Guanxi %(version)s on %(vendor)s).")
            % {
                "archive": report.archive.name,
                "created": report.created_at,
                "version": report.guanxi_version,
                "vendor": report.vendor,
            }
        )
        if report.cross_vendor:
            out.write(_("The backup came from another database vendor: its portable data section was loaded."))
        elif report.portable:
            out.write(_("The portable data section was loaded."))
        for table, measured in sorted(report.tables.items()):
            out.write(f"  {table}: {measured['rows']}")
        out.write(
            _("Checked against the manifest: %(tables)s tables, %(rows)s rows, %(files)s files (%(size)s) — all equal.")
            % {
                "tables": len(report.tables),
                "rows": report.rows,
                "files": report.files,
                "size": filesizeformat(report.file_bytes),
            }
        )
        if report.files_left:
            out.write(
                _("%(count)s uploaded files that the backup does not contain were left in place.")
                % {"count": report.files_left}
            )
        if report.pending_migrations:
            out.write(_("This Guanxi is newer than the backup: run `guanxi migrate` to bring the database up to date."))
