"""The figures cache: every metric the dashboard widgets, the figures page and the monthly management report read
goes through `selectors.compute`, which keeps its answer here. What "cached per period where exactness allows"
(issue 16 §7) means:

- A closed period (its last day before today) of a metric whose past figures are final (`Metric.final`: rows dated
  in the period; not the pipeline, stocks read with today's attributes or balances of today's contracts) is kept
  GUANXI_ANALYTICS_CLOSED_SECONDS (default a day) under the *history generation*: everyday writes (a follow-up
  logged today, a deal moved) do not touch it. A new history generation starts on a delete of a business record,
  on a bulk change (imports, pool reclaims: business events) and on a write to the org app's people, roles
  (grants), departments or partner organisations (who sees what; `ORG_SCOPE_MODELS`; a sign-in is none). A write
  dated back into a closed month, or a single transfer, reaches no such signal: the page shows the figures' age and
  a Refresh button (`reader_refresh`) that recomputes the reader's own.
- The period running: kept GUANXI_ANALYTICS_FIGURES_CACHE_SECONDS (default 300 s) under the *generation* that
  every committed write to a business record starts (a rep who has just logged a follow-up sees it counted on the
  dashboard). Under real use that is a new generation every few seconds, so the heavy monthly management report
  reads its running month `lenient`ly: kept GUANXI_ANALYTICS_REPORT_SECONDS (default 900 s) whatever is written,
  its age shown.
- The usage league is a ranking of the whole team (ranking.league_for): a published month is read from the
  stored publication; other months are kept GUANXI_ANALYTICS_CACHE_SECONDS whole, so the dashboard's league widget
  never ranks the team per visit.

A figure never leaks beyond its reader's scope: the key holds the reader's id (whose data scope the metric
applies) and their own refresh generation, the metric, the grouping, the people narrowed to and the period (and
today's date for a running one). A change of roles, grants or departments starts new generations of both kinds.
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
HISTORY_KEY = "analytics:figures:history"
# The apps whose records figures are computed from (and org: who sees what). A write elsewhere (audit trail,
# notifications, sessions, analytics' own layouts) changes no figure.
FIGURE_APPS = frozenset(
    {"customers", "sales", "billing", "commerce", "service", "marketing", "approvals", "realestate", "org"}
)
# A save that changes only these fields changes no figure (a sign-in stamps last_login).
QUIET_FIELDS = frozenset({"last_login"})
# The org app's records that decide who sees what and who is ranked (people, their roles and grants, departments,
# partner organisations): a write to one starts a new history generation. The org app's other records (sign-in
# events, API tokens, saved views, stars, webhooks …) change no figure.
ORG_SCOPE_MODELS = frozenset({"user", "user_roles", "role", "department", "partnerorganisation"})

_oldest: contextvars.ContextVar[list[dt.datetime] | None] = contextvars.ContextVar("analytics_oldest", default=None)
_lenient: contextvars.ContextVar[int] = contextvars.ContextVar("analytics_lenient", default=0)
_warming: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("analytics_warming", default=None)


def _setting(name: str) -> int:
    return int(getattr(settings, name, 0) or 0)


def seconds() -> int:
    return _setting("GUANXI_ANALYTICS_FIGURES_CACHE_SECONDS")


def closed_seconds() -> int:
    return _setting("GUANXI_ANALYTICS_CLOSED_SECONDS")


def _generation_of(key: str) -> str:
    return str(cache.get_or_set(key, lambda: str(time.time_ns()), None))


def generation() -> str:
    return _generation_of(GENERATION_KEY)


def history() -> str:
    """The history generation (made now if the cache has none, as `cached` makes it)."""
    return _generation_of(HISTORY_KEY)


def _new_generation() -> None:
    cache.set(GENERATION_KEY, str(time.time_ns()), None)


def _new_history() -> None:
    cache.set(HISTORY_KEY, str(time.time_ns()), None)
    _new_generation()


def _reader_key(reader_id: Any) -> str:
    return f"analytics:figures:reader:{reader_id}"


def reader_refresh(reader_id: Any) -> None:
    """The Refresh button: every figure this reader reads next is computed again (theirs only)."""
    cache.set(_reader_key(reader_id), str(time.time_ns()), None)


@contextmanager
def lenient(seconds_kept: int) -> Iterator[None]:
    """Inside the block, the running period's figures are kept `seconds_kept` whatever is written (the monthly
    management report: its age shown); 0 changes nothing."""
    token = _lenient.set(max(0, int(seconds_kept)))
    try:
        yield
    finally:
        _lenient.reset(token)


@contextmanager
def warming() -> Iterator[None]:
    """Inside the block (the warming job, warming.py), every figure read is computed now, unless computed since the
    block began, and kept until the end of the day (the day is part of the running period's key): while nothing is
    written it is the right figure; after a write the usual rules apply (a new generation, or the report's and the
    league's seconds counted from when it was computed)."""
    token = _warming.set(timezone.now())
    try:
        yield
    finally:
        _warming.reset(token)


def warming_since() -> dt.datetime | None:
    return _warming.get()


def until_day_end() -> int:
    """Seconds to the end of the local day (at least one)."""
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    return max(1, int((midnight - now).total_seconds()))


def unchanged_since(stamp: Any) -> bool:
    """Whether nothing was written since `stamp` (the generation when a figure was computed). Only known while the
    generation is kept (GUANXI_ANALYTICS_FIGURES_CACHE_SECONDS > 0); else every stamp counts as changed."""
    return bool(seconds()) and stamp is not None and stamp == cache.get(GENERATION_KEY)


def fresh(at: dt.datetime, stamp: Any, kept: int) -> bool:
    """A figure kept `kept` seconds whatever is written (the report's month running, the league): still good while
    younger than that, or while nothing has been written since (a figure the warming job computed at night); never
    one computed before the warming job's block began, inside it."""
    since = _warming.get()
    if since is not None and at < since:
        return False
    return (timezone.now() - at).total_seconds() < kept or unchanged_since(stamp)


def figures_changed() -> None:
    """Start a new generation once the surrounding transaction commits (at once outside one); a rolled-back write
    changes no figure. (Each write schedules its own: one cache write each, cheap next to the write itself; bulk
    paths emit events, which schedule one per batch.)"""
    if seconds():
        transaction.on_commit(_new_generation)


def history_changed() -> None:
    """A new history generation (and generation) once the surrounding transaction commits: closed periods' figures
    are computed again."""
    if seconds() or closed_seconds():
        transaction.on_commit(_new_history)


def on_model_write(sender: Any, **kwargs: Any) -> None:
    """post_save / post_delete / m2m_changed of any model: a new generation when the model's app feeds figures; a
    new history generation for a delete or a write to the org app (who sees what)."""
    from django.db.models.signals import post_delete

    meta = getattr(sender, "_meta", None)
    if meta is None or meta.app_label not in FIGURE_APPS:
        return
    fields = kwargs.get("update_fields")
    if fields and set(fields) <= QUIET_FIELDS:
        return
    action = kwargs.get("action")
    if action is not None and not str(action).startswith("post_"):
        return  # m2m_changed's pre_add / pre_remove / pre_clear: its post_ twin follows
    if meta.app_label == "org":
        if meta.model_name in ORG_SCOPE_MODELS:
            history_changed()
    elif kwargs.get("signal") is post_delete:
        history_changed()
    else:
        figures_changed()


def on_events(events: Any) -> None:
    """A committed business event (event listener): its records changed, perhaps in closed months (a bulk path)."""
    if events and (seconds() or closed_seconds()):
        _new_history()


def wants_event(key: str) -> bool:
    """Asked by a bulk path (imports, pool reclaims) before it builds one event per object: the new generations are
    all this listener needs, so they are scheduled here and no events are built for it."""
    history_changed()
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
    final: bool = False,
) -> dict[Any, Decimal]:
    """The metric's figures from the cache, or computed now and kept: a closed period of a `final` metric under the
    history generation, the period running under the generation (or for the `lenient` block's seconds)."""
    today = timezone.localdate()
    if final and date_to < today and closed_seconds():
        ttl, kept_by, day = closed_seconds(), "h", ""
    elif _lenient.get():
        ttl, kept_by, day = _lenient.get(), "l", today.isoformat()
    else:
        ttl, kept_by, day = seconds(), "g", today.isoformat()
    if not ttl:
        return compute()
    names = [HISTORY_KEY, _reader_key(reader_id)] + ([GENERATION_KEY] if kept_by == "g" else [])
    stamps = cache.get_many([*names, GENERATION_KEY])
    missing = {n: str(time.time_ns()) for n in {*names, GENERATION_KEY} if n not in stamps}
    if missing:
        cache.set_many(missing, None)
        stamps |= missing
    parts = ":".join(
        (
            kept_by,
            *(str(stamps[n]) for n in names),
            metric_key,
            str(reader_id),
            group_by,
            date_from.isoformat(),
            date_to.isoformat(),
            day,
            _digest(owners),
        )
    )
    # hashed: short and free of spaces whatever the metric and grouping (memcached refuses over 250 characters)
    key = f"analytics:fig:{hashlib.sha256(parts.encode()).hexdigest()}"
    found = cache.get(key)
    if isinstance(found, tuple) and len(found) == 3 and fresh(found[0], found[2], ttl if kept_by == "l" else 10**9):
        _note(found[0])
        return dict(found[1])
    now = timezone.now()
    values = compute()
    # kept with the generation it was computed under: a report's month warmed at night stays while nothing is written
    kept = ttl if kept_by == "h" or not _warming.get() else max(ttl, until_day_end())
    cache.set(key, (now, values, stamps[GENERATION_KEY]), kept)
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
