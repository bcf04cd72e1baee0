"""Reads of the backup ledger: administrators only (the `org.admin` permission, asked through the registry)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ..errors import NotFoundError
from ..models import Backup
from ..ports import PERMISSIONS
from ..registry import registry
from .services import ADMIN_PERMISSION


def backup_list(*, user: Any) -> QuerySet[Backup]:
    """Every backup run, newest first."""
    registry.port(PERMISSIONS).require_permission(user, ADMIN_PERMISSION)
    return Backup.objects.select_related("requested_by")


def backup_file_get(*, user: Any, pk: int) -> Backup:
    """A finished backup whose archive is still on disk (404 otherwise)."""
    registry.port(PERMISSIONS).require_permission(user, ADMIN_PERMISSION)
    backup = Backup.objects.filter(pk=pk, status=Backup.Status.DONE).first()
    if backup is None or not Path(backup.path).is_file():
        raise NotFoundError(_("This backup file is no longer on the server."))
    return backup
