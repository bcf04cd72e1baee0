"""`guanxi backup [--to DIR]`: write a backup archive of the database and every uploaded file now."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from guanxi.core.backup.errors import BackupError


class Command(BaseCommand):
    help = "Back up the database and every uploaded file into one verified archive."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--to", dest="to", default=None, help="Folder for the archive (default: GUANXI_BACKUP_DIR)."
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        from guanxi.core.backup.services import backup_create

        try:
            backup = backup_create(to_dir=Path(opts["to"]) if opts["to"] else None)
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        summary = backup.summary
        self.stdout.write(
            _("Backup written: %(path)s (%(size)s)") % {"path": backup.path, "size": filesizeformat(backup.size)}
        )
        self.stdout.write(
            _("%(tables)s tables, %(rows)s rows, %(files)s files; SHA-256 %(sha)s")
            % {"tables": summary["tables"], "rows": summary["rows"], "files": summary["files"], "sha": backup.sha256}
        )
