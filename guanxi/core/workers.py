"""Worker leases: a background job whose worker dies (kill -9, power loss) is noticed within a minute.

Every `guanxi worker` process holds a lease, its WorkerHeartbeat row. A thread of the worker renews it
every GUANXI_WORKER_CHECK_SECONDS; in the same beat it looks for leases that ran out (not renewed for
GUANXI_WORKER_LEASE_SECONDS, or the worker stopped) and recovers what those workers left running:

- the django-tasks row of each job they were running is marked failed ("the worker stopped while running
  this job") instead of staying "running" for ever;
- each app that registered a JobRecovery is told which workers were lost and fails its own job rows they
  held (imports: the import is marked failed with that reason, so its user can run it again at once).

The lease sits on the worker's own row, not on the job rows: one write per worker per beat, and it never
waits for a lock the running job holds in its own transaction (docs/decisions/0009-worker-leases.md).
Recovery is compare-and-set throughout, so a worker that was only slow (its lease renewed late) loses
nothing: a job it finished meanwhile stays finished.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import WorkerHeartbeat
from .registry import registry

log = logging.getLogger(__name__)

# Recorded on the django-tasks row of a job whose worker was lost (an administrator's view; each app words its
# own job's failure for its user in the user's language).
WORKER_LOST = "The worker stopped while running this job."


class WorkerLost(Exception):
    """Recorded as the error of a django-tasks job whose worker was lost."""


def lease_seconds() -> int:
    return int(settings.GUANXI_WORKER_LEASE_SECONDS)


def check_seconds() -> float:
    return float(settings.GUANXI_WORKER_CHECK_SECONDS)


def worker_register(*, worker_id: str, now: dt.datetime | None = None) -> WorkerHeartbeat:
    """Take the lease of a starting worker (before it claims any job)."""
    now = now or timezone.now()
    heartbeat, _created = WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": now,
            "seen_at": now,
            "stopped_at": None,
        },
    )
    return heartbeat


def worker_heartbeat(*, worker_id: str, now: dt.datetime | None = None) -> None:
    """Renew the lease. A worker whose row was cleared (taken for lost while it was only slow) takes it again."""
    now = now or timezone.now()
    if WorkerHeartbeat.objects.filter(worker_id=worker_id, stopped_at__isnull=True).update(seen_at=now):
        return
    if not WorkerHeartbeat.objects.filter(worker_id=worker_id).exists():
        worker_register(worker_id=worker_id, now=now)


def worker_stopped(*, worker_id: str, now: dt.datetime | None = None) -> None:
    """Give the lease back: whatever the worker leaves unfinished is recovered at the next check."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).update(stopped_at=now or timezone.now())


def lost_workers(*, now: dt.datetime | None = None, alive: str = "") -> set[str]:
    """Workers whose lease ran out or who stopped (never `alive`, the worker asking)."""
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=lease_seconds())
    lost = WorkerHeartbeat.objects.filter(Q(seen_at__lt=cutoff) | Q(stopped_at__isnull=False))
    if alive:
        lost = lost.exclude(worker_id=alive)
    return set(lost.values_list("worker_id", flat=True))


def _fail_lost_tasks(worker_ids: set[str], now: dt.datetime) -> int:
    """Mark failed the django-tasks rows still "running" on a lost worker (the last worker that claimed them)."""
    failed = 0
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values_list("pk", "worker_ids")
    for pk, ids in running:
        if not ids or ids[-1] not in worker_ids:
            continue
        # Compare-and-set: a task its worker finished meanwhile keeps its own result.
        failed += DBTaskResult.objects.filter(pk=pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            return_value=None,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=f"{WorkerLost.__qualname__}: {WORKER_LOST} (worker {ids[-1]})",
        )
    return failed


def lost_jobs_recover(*, now: dt.datetime | None = None, alive: str = "") -> dict[str, int]:
    """Recover the jobs of every lost worker; returns how many of each kind ("tasks", then each recovery's key).

    Run by every worker each GUANXI_WORKER_CHECK_SECONDS (`alive` is the worker itself, never taken for lost).
    A lost worker's row is removed once its jobs are recovered; if it was only slow it registers again."""
    now = now or timezone.now()
    worker_ids = lost_workers(now=now, alive=alive)
    if not worker_ids:
        return {}
    recovered = {"tasks": _fail_lost_tasks(worker_ids, now)}
    for recovery in registry.job_recoveries:
        recovered[recovery.key] = recovery.recover(worker_ids=frozenset(worker_ids), now=now)
    _forget(worker_ids, now)
    for key, count in recovered.items():
        if count:
            log.warning("recovered %s %s job(s) of lost worker(s) %s", count, key, ", ".join(sorted(worker_ids)))
    return recovered


def _forget(worker_ids: Iterable[str], now: dt.datetime) -> None:
    cutoff = now - dt.timedelta(seconds=lease_seconds())
    WorkerHeartbeat.objects.filter(worker_id__in=list(worker_ids)).filter(
        Q(seen_at__lt=cutoff) | Q(stopped_at__isnull=False)
    ).delete()
