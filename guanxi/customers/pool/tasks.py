"""Background jobs of the public pool (django-tasks). The worker also runs the reclaim hourly as a periodic job
(providers.py); this task lets other code queue a run on demand."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def pool_reclaim_run() -> Any:
    from .services import pool_reclaim_idle

    return pool_reclaim_idle()
