"""The figures cache warmed before people arrive (issue 16 §7): once a day, from GUANXI_ANALYTICS_WARM_HOUR (local
time), the worker computes the month running's figures of every dashboard whose reader sees more than their own
records (managers, directors, executives: the pages that cost seconds at a million customers), the month's league
(staff and agents) and each such reader's monthly management report; on the first of a month, the report of the month
just closed too. The first visit of the day then reads them from the cache.

Each figure is computed as its reader (`selectors.compute` with that reader: their data scope, and their id in the
cache key), so a figure warmed for one person is never read by another. Warmed figures are kept to the end of the
day but only while nothing is written (figure_cache.warming): a write in the morning makes the dashboards compute
again as before, and the report and league are kept their usual minutes from then.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from guanxi.org.models import DataScope, User
from guanxi.org.policies import permission_scope

from . import figure_cache

log = logging.getLogger(__name__)

# The widgets whose figures are kept in the cache (the others are live lists and counts read on each visit).
WARMED_WIDGETS = ("figures", "pipeline", "league")


def warmed_readers() -> list[User]:
    """Active people who read analytics beyond their own records (a rep's page costs little; a manager's or an
    executive's sums the team's or the company's)."""
    people = User.objects.filter(is_active=True).select_related("department").order_by("pk")
    return [u for u in people if permission_scope(u, "analytics.view") not in (None, DataScope.SELF)]


def reader_warm(*, reader: User, month: Any, closed_month: Any | None = None) -> None:
    """One reader's dashboard (the widgets of their layout that are cached) and monthly report, as their pages
    compute them by default (the month running, their widest scope)."""
    from . import dashboard, report
    from .selectors import default_scope

    scope = default_scope(reader)
    for key in dashboard.layout_of(reader):
        if key in WARMED_WIDGETS:
            dashboard.WIDGETS[key].data(reader, month, scope)
    with figure_cache.lenient(int(getattr(settings, "GUANXI_ANALYTICS_REPORT_SECONDS", 0) or 0)):
        report.monthly_report(user=reader, window=month)
    if closed_month is not None:
        report.monthly_report(user=reader, window=closed_month)


def figures_warm(*, now: dt.datetime | None = None, force: bool = False) -> dict[str, Any]:
    """The daily warming (the periodic job asks hourly): from the warm hour on, once a day (`force`: now, again)."""
    from .ranking import league_cached
    from .selectors import window_for

    now = now or timezone.now()
    local = timezone.localtime(now)
    if not (figure_cache.seconds() or figure_cache.closed_seconds()):
        return {"skipped": "the figures cache is off"}
    hour = int(getattr(settings, "GUANXI_ANALYTICS_WARM_HOUR", 6))
    if not force and local.hour < hour:
        return {"skipped": f"before {hour}:00"}
    # claimed once a day (cache.add is atomic): a second worker, or the next hour's run, finds it taken
    if not cache.add(f"analytics:warmed:{local.date().isoformat()}", now.isoformat(), 2 * 86400) and not force:
        return {"skipped": "already warmed today"}
    started = time.monotonic()
    month = window_for("month", local.date())
    closed_month = month.previous if local.day == 1 else None
    readers, failed = 0, []
    with figure_cache.warming():
        for agents in (False, True):
            league_cached(window=month, agents=agents)
        for reader in warmed_readers():
            try:
                reader_warm(reader=reader, month=month, closed_month=closed_month)
            except Exception:  # one reader's failure (a figure that cannot be read) leaves the others warmed
                log.exception("warming the figures of user %s failed", reader.pk)
                failed.append(reader.pk)
            else:
                readers += 1
    return {"readers": readers, "failed": failed, "seconds": round(time.monotonic() - started, 1)}
