"""Background jobs of the import engine."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def import_job_process(job_id: int) -> Any:
    """Run a queued dry run or import (see services.import_job_execute)."""
    from .services import import_job_execute

    return import_job_execute(job_id=job_id)
