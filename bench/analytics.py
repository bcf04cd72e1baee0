"""Benchmark of analytics (issue 16 §7): the dashboard, the figures, the usage league and the monthly management
report on the benchmark's generated company, each beside hand-written SQL of the same figure (timed alternately
in the same run; the two answers must agree).

    python -m bench.run --only analytics --customers 20000 --follow-ups 100000 --opportunities 20000 --repeat 10

Cases (the month containing today; 陈静 `chenjing`, data scope all, and 张伟 `zhangwei`, data scope self):

- figure: new customers of the month (`selectors.compute`, the registered metric) against `COUNT(*)`;
- figure by owner: follow-ups of the month per author against `GROUP BY author_id`;
- league: the month's usage league (every measure of every rep, `league_compute`) against the SQL of its two
  quantity measures per rep (new customers and new opportunities, `GROUP BY owner_id`) and of its violations (open
  deals older than the follow-up window whose customer is NOT IN the customers followed up since), compared rep by
  rep;
- monthly report: `report.monthly_report` (six months by department, per person, the summary's three periods)
  against the SQL of its figures over the big tables (new customers, new opportunities and follow-ups: each
  person's month and the summary's month, previous month and year ago), compared person by person;
- the pages themselves: /analytics/dashboard/ (the role's widgets), /analytics/league/, /analytics/report/.

The figures are timed uncached (the caches are off for the SQL comparisons: every call computes), and the pages
uncached, with the caches warm (`[cached]`, a second visit), and warm but after a write (`[cached, after a write]`:
every committed business write starts a new generation, so the month running is computed again while closed
months, a published or recently ranked league and the report's lenient month are not), and the first visit after
the nightly warming job (`[warmed: the first visit]`, warming.py; the job's own time is a case too).
`make bench` and `make bench-pg` (1M customers on PostgreSQL) run these cases with the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from .custom_fields import _median_ms


def _sql(query: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Rows of hand-written SQL; date-times are bound as the database stores them (SQLite: UTC text)."""
    from django.db import connection

    bound = [connection.ops.adapt_datetimefield_value(p) if isinstance(p, dt.datetime) else p for p in params]
    with connection.cursor() as cursor:
        cursor.execute(query, bound)
        return list(cursor.fetchall())


def run_analytics_cases(*, repeat: int, log: Callable[[str], None]) -> list[dict[str, Any]]:
    import os

    from django.test import Client
    from django.utils import timezone

    from guanxi.analytics import ranking, report, selectors
    from guanxi.core.registry import registry
    from guanxi.customers.models import Customer, FollowUp
    from guanxi.org.models import User
    from guanxi.sales.models import Opportunity

    window = selectors.window_for("month", timezone.localdate())
    start = timezone.make_aware(dt.datetime.combine(window.date_from, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(window.date_to + dt.timedelta(days=1), dt.time.min))
    boss = User.objects.get(username="chenjing")
    customers, follow_ups, deals = Customer._meta.db_table, FollowUp._meta.db_table, Opportunity._meta.db_table
    new_customers = registry.metric("new_customers")
    follow_up_metric = registry.metric("follow_ups")
    assert new_customers is not None and follow_up_metric is not None

    def figure() -> int:
        return int(selectors.compute(new_customers, user=boss, window=window).get(None, 0))

    def figure_sql() -> int:
        return int(
            _sql(
                f"SELECT COUNT(*) FROM {customers} WHERE deleted_at IS NULL AND owner_id IS NOT NULL "  # noqa: S608
                "AND created_at >= %s AND created_at < %s",
                [start, end],
            )[0][0]
        )

    def by_owner() -> dict[int, int]:
        found = selectors.compute(follow_up_metric, user=boss, window=window, group_by="owner")
        return {k: int(v) for k, v in found.items() if v}

    def by_owner_sql() -> dict[int, int]:
        rows = _sql(
            f"SELECT f.author_id, COUNT(*) FROM {follow_ups} f JOIN {customers} c ON c.id = f.customer_id "  # noqa: S608
            "WHERE c.deleted_at IS NULL AND f.occurred_at >= %s AND f.occurred_at < %s GROUP BY f.author_id",
            [start, end],
        )
        return {int(a): int(n) for a, n in rows if a is not None}

    def league() -> dict[int, tuple[int, int, int]]:
        rows = ranking.league_compute(window=window).rows
        return {
            r.user_id: (
                int(r.values.get("new_customers") or 0),
                int(r.values.get("new_opportunities") or 0),
                int(r.violations),
            )
            for r in rows
        }

    from guanxi.analytics.models import LeaguePolicy

    def league_sql() -> dict[int, tuple[int, int, int]]:
        people = {pk: (0, 0, 0) for pk in league_people}
        cutoff = ranking.follow_up_cutoff(LeaguePolicy.current(), window)
        # open deals older than the follow-up window whose customer has no follow-up since (the violations)
        late = _sql(
            f"SELECT o.owner_id, COUNT(*) FROM {deals} o WHERE o.deleted_at IS NULL AND o.status = 'open' "  # noqa: S608
            f"AND o.created_at < %s AND o.customer_id NOT IN (SELECT f.customer_id FROM {follow_ups} f "
            "WHERE f.deleted_at IS NULL AND f.occurred_at >= %s) GROUP BY o.owner_id",
            [cutoff, cutoff],
        )
        made = _sql(
            f"SELECT owner_id, COUNT(*) FROM {customers} WHERE deleted_at IS NULL AND created_at >= %s "  # noqa: S608
            "AND created_at < %s GROUP BY owner_id",
            [start, end],
        )
        opened = _sql(
            f"SELECT owner_id, COUNT(*) FROM {deals} WHERE deleted_at IS NULL AND created_at >= %s "  # noqa: S608
            "AND created_at < %s GROUP BY owner_id",
            [start, end],
        )
        for owner, n in made:
            if owner in people:
                people[owner] = (int(n), people[owner][1], people[owner][2])
        for owner, n in opened:
            if owner in people:
                people[owner] = (people[owner][0], int(n), people[owner][2])
        for owner, n in late:
            if owner in people:
                people[owner] = (people[owner][0], people[owner][1], int(n))
        return people

    league_people = set(league())

    heavy = ("new_customers", "new_opportunities", "follow_ups")  # the report's figures over the big tables

    def monthly() -> dict[str, Any]:
        month = report.monthly_report(user=boss, window=window)
        summary = {
            r.metric.key: (int(r.value or 0), int(r.previous or 0), int(r.year_ago or 0))
            for r in month.summary
            if r.metric.key in heavy
        }
        people = {p["id"]: tuple(int(p["cells"][k].value or 0) for k in heavy) for p in month.people}
        return {"summary": summary, "people": people}

    periods = []
    for w in (window, window.previous, window.year_ago):
        periods.append(
            (
                timezone.make_aware(dt.datetime.combine(w.date_from, dt.time.min)),
                timezone.make_aware(dt.datetime.combine(w.date_to + dt.timedelta(days=1), dt.time.min)),
            )
        )

    def _three(column: str) -> tuple[str, list[Any]]:
        """COUNT(*) of each of the three periods (the month, the one before, a year ago) in one scan."""
        sql = ", ".join(f"COUNT(*) FILTER (WHERE {column} >= %s AND {column} < %s)" for _p in periods)
        return sql, [bound for pair in periods for bound in pair]

    def monthly_sql() -> dict[str, Any]:
        """The report's new customers, new opportunities and follow-ups: each person's month and the summary's
        month, previous month and year ago, one grouped query per table (periods counted apart in one scan)."""
        where = " OR ".join("({c} >= %s AND {c} < %s)" for _p in periods)
        bounds = [bound for pair in periods for bound in pair]
        found: dict[str, dict[Any, tuple[int, ...]]] = {}
        for key, query in (
            (
                "new_customers",
                f"SELECT owner_id, {{counts}} FROM {customers} WHERE deleted_at IS NULL AND owner_id IS NOT NULL "
                f"AND ({where.format(c='created_at')}) GROUP BY owner_id",
            ),
            (
                "new_opportunities",
                f"SELECT owner_id, {{counts}} FROM {deals} WHERE deleted_at IS NULL "
                f"AND ({where.format(c='created_at')}) GROUP BY owner_id",
            ),
            (
                "follow_ups",
                f"SELECT f.author_id, {{counts}} FROM {follow_ups} f JOIN {customers} c ON c.id = f.customer_id "
                f"WHERE c.deleted_at IS NULL AND f.deleted_at IS NULL AND ({where.format(c='f.occurred_at')}) "
                "GROUP BY f.author_id",
            ),
        ):
            counts, params = _three("f.occurred_at" if key == "follow_ups" else "created_at")
            rows = _sql(query.format(counts=counts), params + bounds)
            found[key] = {owner: tuple(int(n) for n in ns) for owner, *ns in rows}
        summary = {key: tuple(sum(v[i] for v in found[key].values()) for i in range(3)) for key in heavy}
        owners = {owner for key in heavy for owner, v in found[key].items() if v[0] and owner is not None}
        people = {owner: tuple(found[key].get(owner, (0,))[0] for key in heavy) for owner in owners}
        return {"summary": summary, "people": people}

    from django.conf import settings
    from django.core.cache import cache

    kept = {name: getattr(settings, name) for name in CACHE_SETTINGS}
    for name in CACHE_SETTINGS:  # every call computes: the figure beside its SQL
        setattr(settings, name, 0)
    results: list[dict[str, Any]] = []
    for name, ours, baseline, compare in (
        ("new customers of the month", figure, figure_sql, True),
        ("follow-ups of the month by owner", by_owner, by_owner_sql, True),
        ("usage league (all measures; SQL: 2 and the violations)", league, league_sql, True),
        ("monthly report (SQL: its new customers, opportunities, follow-ups)", monthly, monthly_sql, False),
    ):
        ours_ms, ours_answer = _median_ms(ours, repeat)
        sql_ms, sql_answer = _median_ms(baseline, repeat)
        same = ours_answer == sql_answer if compare else _same_report(ours_answer, sql_answer)
        ratio = round(ours_ms / sql_ms, 2) if sql_ms else None
        results.append(
            {"case": name, "ms": ours_ms, "sql_ms": sql_ms, "ratio": ratio, "rows_match": same, "load": _load(os)}
        )
        log(f"  {name}: {ours_ms} ms, SQL {sql_ms} ms, ×{ratio} (same figures: {same}; load {_load(os)})")
    import time

    from guanxi.analytics import figure_cache
    from guanxi.analytics.warming import figures_warm

    for mode in ("", "cached", "cached, after a write", "warmed: the first visit"):
        for name, default in CACHE_SETTINGS.items():  # uncached: every cache of analytics off
            setattr(settings, name, (kept[name] or default) if mode else 0)
        cache.clear()
        if mode.startswith("warmed"):  # the worker's nightly job, then each page's first visit of the day
            started = time.perf_counter()
            warmed = figures_warm(force=True)
            ms = round((time.perf_counter() - started) * 1000, 1)
            results.append({"case": "warming job", "ms": ms, "sql_ms": None, "rows_match": True, "load": _load(os)})
            log(f"  warming job: {ms} ms, {warmed} (load {_load(os)})")
        for username in ("chenjing", "zhangwei"):
            client = Client(HTTP_HOST="localhost")
            client.force_login(User.objects.get(username=username))
            for url in ("/analytics/dashboard/", "/analytics/league/", "/analytics/report/"):

                def page(url: str = url, client: Any = client, write: bool = "write" in mode) -> int:
                    if write:  # what every committed business write does: a new generation
                        figure_cache._new_generation()
                    response = client.get(url)
                    assert response.status_code == 200, (url, response.status_code)
                    return len(response.content)

                if mode.startswith("warmed"):  # the one first visit (_median_ms would make an untimed one first)
                    started = time.perf_counter()
                    page()
                    ms = round((time.perf_counter() - started) * 1000, 2)
                else:
                    if mode:
                        page()  # the first visit fills the cache
                    ms, _size = _median_ms(page, repeat)
                case = f"page {url} [{username}]" + (f" [{mode}]" if mode else "")
                results.append({"case": case, "ms": ms, "sql_ms": None, "rows_match": True, "load": _load(os)})
                log(f"  {case}: {ms} ms (load {_load(os)})")
    for name, value in kept.items():
        setattr(settings, name, value)
    return results


# The caches of analytics (guanxi/analytics/figure_cache.py) and their defaults when a setting is 0.
CACHE_SETTINGS = {
    "GUANXI_ANALYTICS_FIGURES_CACHE_SECONDS": 300,
    "GUANXI_ANALYTICS_CLOSED_SECONDS": 86400,
    "GUANXI_ANALYTICS_REPORT_SECONDS": 900,
    "GUANXI_ANALYTICS_CACHE_SECONDS": 600,
}


def _same_report(ours: dict[str, Any], sql: dict[str, Any]) -> bool:
    """The summary's three periods agree, and every person's month agrees (a person the report lists with nothing
    in these three columns is all zeros in SQL)."""
    zero = (0, 0, 0)
    people = set(ours["people"]) | set(sql["people"])
    return ours["summary"] == sql["summary"] and all(
        ours["people"].get(pk, zero) == sql["people"].get(pk, zero) for pk in people
    )


def _load(os: Any) -> str:
    from .run import load_average

    return load_average()
