"""Background job of the backups: a backup queued from the backups page."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def backup_run(backup_id: int) -> Any:
    """Write the queued backup (see services.backup_create)."""
    from .services import backup_create

    backup = backup_create(backup_id=backup_id)
    return {"backup": backup.file_name, "status": backup.status, "size": backup.size}
