"""Periodic jobs, exactly once per period across any number of workers.

Each job has a period length; the first worker to insert the (job, period) row into PeriodicRun
owns that period (a unique constraint decides races) and enqueues the job.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import PeriodicRun
from .registry import registry

log = logging.getLogger(__name__)


def period_key(now: dt.datetime, every_minutes: int) -> str:
    seconds = every_minutes * 60
    return str(int(now.timestamp()) // seconds)


def periodic_jobs_claim_due(*, now: dt.datetime | None = None) -> list[tuple[str, str]]:
    """Claim every job whose current period has no run yet; returns (job, period) pairs claimed here."""
    now = now or timezone.now()
    claimed = []
    for job in registry.periodic:
        key = period_key(now, job.every_minutes)
        try:
            with transaction.atomic():
                PeriodicRun.objects.create(job=job.key, period=key)
        except IntegrityError:
            continue
        claimed.append((job.key, key))
    return claimed


def periodic_jobs_enqueue_due(*, now: dt.datetime | None = None) -> int:
    from .tasks import periodic_job_run

    claimed = periodic_jobs_claim_due(now=now)
    for job_key, period in claimed:
        periodic_job_run.enqueue(job_key=job_key, period=period)
    return len(claimed)


def periodic_job_execute(*, job_key: str, period: str) -> Any:
    job = next((j for j in registry.periodic if j.key == job_key), None)
    if job is None:
        log.warning("unknown periodic job %s", job_key)
        return None
    try:
        result = job.run()
    except Exception as exc:  # not swallowed: recorded on the period's row, then raised to the task backend
        # Keep the failure on the period's row (the run is not retried within the period).
        PeriodicRun.objects.filter(job=job_key, period=period).update(
            finished_at=timezone.now(), result={"error": f"{type(exc).__name__}: {exc}"[:500]}
        )
        raise
    PeriodicRun.objects.filter(job=job_key, period=period).update(
        finished_at=timezone.now(), result=result if isinstance(result, dict) else {"result": str(result)}
    )
    return result if isinstance(result, dict | list | str | int | float | None) else str(result)
