"""Background jobs of the import engine."""

from __future__ import annotations

from typing import Any

from django_tasks import TaskContext, task


@task(takes_context=True)
def import_job_process(context: TaskContext, job_id: int) -> Any:
    """Run a queued dry run or import (see services.import_job_execute) as the worker that claimed this task."""
    from .services import import_job_execute

    worker_ids = context.task_result.worker_ids
    return import_job_execute(job_id=job_id, worker_id=worker_ids[-1] if worker_ids else "")
