"""What the core registers at start-up: its own housekeeping job."""

from __future__ import annotations

from typing import Any

from .registry import PeriodicJob, registry


def _housekeeping() -> Any:
    from .housekeeping import housekeeping_run

    return housekeeping_run()


registry.add_periodic(PeriodicJob(key="housekeeping", every_minutes=24 * 60, run=_housekeeping))

from .imports import providers as _imports_providers  # noqa: E402,F401
