"""The figures cache: every metric the dashboard widgets, the figures page and the monthly management report read
goes through `selectors.compute`, which keeps its answer here for a short while.

Why a short TTL *and* explicit invalidation:
- The dashboard is the page people open all day and the management report is the heaviest page; the same
  figures are asked again and again between two writes, so keeping them saves most of the queries.
- A rep who has just logged a follow-up expects to see it counted (issue 16: the league and dashboard drive
  behaviour). So every committed write to the business apps' records (a model saved or deleted, or a business
  event, which bulk paths such as imports and pool reclaims emit instead of saves) starts a new *generation*:
  figures computed before it are never read again.
- A few changes reach no signal (a raw `QuerySet.update` without an event, a figure that moves with the clock
  such as overdue receivables). The TTL (`GUANXI_ANALYTICS_FIGURES_CACHE_SECONDS`, default 300 s; 0 turns the
  cache off) bounds how stale those can be, and every page shows when its oldest figure was computed.

A figure never leaks beyond its reader's scope: the key holds the reader's id (whose data scope the metric
applies), the metric, the grouping, the people narrowed to, the period and today's date. A change of roles,
grants or departments is a write to the org app, so it starts a new generation too.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

GENERATION_KEY = "analytics:figures:generation"
# The apps whose records figures are computed from (and org: who sees what). A write elsewhere (audit trail,
# notifications, sessions, analytics' own layouts) changes no figure.
FIGURE_APPS = frozenset(
    {"customers", "sales", "billing", "commerce", "service", "marketing", "approvals", "realestate", "org"}
)
# A save that changes only these fields changes no figure (a sign-in stamps last_login).
QUIET_FIELDS = frozenset({"last_login"})

_oldest: contextvars.ContextVar[list[dt.datetime] | None] = contextvars.ContextVar("analytics_oldest", default=None)


def seconds() -> int:
    return int(getattr(settings, "GUANXI_ANALYTICS_FIGURES_CACHE_SECONDS", 0) or 0)


def generation() -> str:
    return str(cache.get_or_set(GENERATION_KEY, lambda: str(time.time_ns()), None))


def _new_generation() -> None:
    cache.set(GENERATION_KEY, str(time.time_ns()), None)


def figures_changed() -> None:
    """Start a new generation once the surrounding transaction commits (at once outside one); a rolled-back write
    changes no figure. (Each write schedules its own: one cache write each, cheap next to the write itself; bulk
    paths emit events, which schedule one per batch.)"""
    if seconds():
        transaction.on_commit(_new_generation)


def on_model_write(sender: Any, **kwargs: Any) -> None:
    """post_save / post_delete / m2m_changed of any model: a new generation when the model's app feeds figures."""
    meta = getattr(sender, "_meta", None)
    if meta is None or meta.app_label not in FIGURE_APPS:
        return
    fields = kwargs.get("update_fields")
    if fields and set(fields) <= QUIET_FIELDS:
        return
    action = kwargs.get("action")
    if action is not None and not str(action).startswith("post_"):
        return  # m2m_changed's pre_add / pre_remove / pre_clear: its post_ twin follows
    figures_changed()


def on_events(events: Any) -> None:
    """A committed business event (event listener): its records changed."""
    if events and seconds():
        _new_generation()


def wants_event(key: str) -> bool:
    """Asked by a bulk path before it builds one event per object: the new generation is all this listener needs,
    so it is scheduled here and no events are built for it."""
    figures_changed()
    return False


def _digest(owners: Iterable[int] | None) -> str:
    if owners is None:
        return "all"
    text = ",".join(str(o) for o in sorted(owners))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def cached(
    *,
    metric_key: str,
    reader_id: Any,
    group_by: str,
    date_from: dt.date,
    date_to: dt.date,
    owners: Iterable[int] | None,
    compute: Callable[[], dict[Any, Decimal]],
) -> dict[Any, Decimal]:
    """The metric's figures from the cache of this generation, or computed now and kept."""
    ttl = seconds()
    if not ttl:
        return compute()
    key = ":".join(
        (
            "analytics:fig",
            generation(),
            metric_key,
            str(reader_id),
            group_by,
            date_from.isoformat(),
            date_to.isoformat(),
            timezone.localdate().isoformat(),
            _digest(owners),
        )
    )
    found = cache.get(key)
    if isinstance(found, tuple) and len(found) == 2:
        _note(found[0])
        return dict(found[1])
    now = timezone.now()
    values = compute()
    cache.set(key, (now, values), ttl)
    _note(now)
    return values


def _note(at: dt.datetime) -> None:
    seen = _oldest.get()
    if seen is not None:
        seen.append(at)


@contextmanager
def figures_age() -> Iterator[list[dt.datetime]]:
    """Collects when each figure read inside the block was computed; `min()` of the list is the page's age."""
    seen: list[dt.datetime] = []
    token = _oldest.set(seen)
    try:
        yield seen
    finally:
        _oldest.reset(token)


def oldest(seen: list[dt.datetime]) -> dt.datetime | None:
    """When the oldest figure was computed, if one came from the cache (older than a few seconds); else None."""
    if not seen:
        return None
    first = min(seen)
    return first if (timezone.now() - first).total_seconds() >= 5 else None
