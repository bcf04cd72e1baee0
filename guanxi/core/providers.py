"""What the core registers at start-up: its own daily jobs (housekeeping, the backup with its retention)."""

from __future__ import annotations

from typing import Any

from .registry import PeriodicJob, registry


def _housekeeping() -> Any:
    from .housekeeping import housekeeping_run

    return housekeeping_run()


def _backup() -> Any:
    from .backup.services import backup_scheduled_run

    return backup_scheduled_run()


registry.add_periodic(PeriodicJob(key="housekeeping", every_minutes=24 * 60, run=_housekeeping))
# Asked hourly; backs up once a day from GUANXI_BACKUP_HOUR on (see backup_scheduled_run).
registry.add_periodic(PeriodicJob(key="backup", every_minutes=60, run=_backup))

from .imports import providers as _imports_providers  # noqa: E402,F401
