"""The access log (REQUIREMENTS §11 审计追踪, "who read"): who opened which customer's 360 page, who exported what,
who downloaded which file.

Writes are cheap: during a web request `access_log_record` only collects entries; `RequestContextMiddleware` writes them
with one INSERT when the response is ready (`access_log_batch`). Outside a request (a job, the command line) each
note is written at once. The worker purges entries older than GUANXI_ACCESS_LOG_RETENTION_DAYS.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from . import context
from .models import AccessLog

PURGE_CHUNK = 5000

_pending: contextvars.ContextVar[list[AccessLog] | None] = contextvars.ContextVar("guanxi_access_log", default=None)


@contextmanager
def access_log_batch() -> Iterator[list[AccessLog]]:
    """Collect the notes made inside the block and write them together (one INSERT) when it ends."""
    entries: list[AccessLog] = []
    token = _pending.set(entries)
    try:
        yield entries
    finally:
        _pending.reset(token)
        if len(entries) == 1:
            entries[0].save()  # one INSERT, without the BEGIN and COMMIT bulk_create wraps around it (a 360 read)
        elif entries:
            AccessLog.objects.bulk_create(entries)


def access_log_record(
    *, actor: Any, kind: str, obj: models.Model | None = None, detail: dict[str, Any] | None = None
) -> None:
    """Record that `actor` read something sensitive (kind: AccessLog.Kind), with the request's IP and id."""
    ctx = context.current()
    entry = AccessLog(
        at=timezone.now(),
        actor_id=actor.pk if actor is not None and getattr(actor, "pk", None) else None,
        kind=kind,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        detail=detail or {},
        ip=ctx.ip,
        request_id=ctx.request_id,
    )
    pending = _pending.get()
    if pending is None:
        entry.save()
    else:
        pending.append(entry)


def access_log_purge(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete entries older than the retention period (GUANXI_ACCESS_LOG_RETENTION_DAYS; 0 keeps them forever)."""
    days = settings.GUANXI_ACCESS_LOG_RETENTION_DAYS
    if days <= 0:
        return {"deleted": 0}
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    deleted = 0
    while True:
        ids = list(AccessLog.objects.filter(at__lt=cutoff).order_by().values_list("pk", flat=True)[:PURGE_CHUNK])
        if not ids:
            return {"deleted": deleted}
        deleted += AccessLog.objects.filter(pk__in=ids).delete()[0]
