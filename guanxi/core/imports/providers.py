"""What the import engine registers at start-up (imported from guanxi/core/providers.py)."""

from __future__ import annotations

from typing import Any

from guanxi.core.registry import PeriodicJob, registry


def _fail_stale() -> Any:
    from .services import import_jobs_fail_stale

    return {"failed": import_jobs_fail_stale()}


registry.add_periodic(PeriodicJob(key="imports_fail_stale", every_minutes=15, run=_fail_stale))
