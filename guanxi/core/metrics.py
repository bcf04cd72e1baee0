"""Helpers for the metrics apps register with core.registry (`Metric`, docs/extending.md "Metrics"): the grouped
query every metric runs, the period's bounds and the drill-down URL of the list page behind a figure.

Most metrics are "count (or sum) the rows of a queryset whose date falls in the period, grouped by owner,
department or a code": `period_metric` builds that compute function, `period_records` its drill-down."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, DateTimeField, F, Q, QuerySet, Value
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone

ZERO = Decimal("0")
# A figure's rows counted as COUNT(1), not COUNT(id): a covering index then answers it alone (no table read for the
# id), as the analytics indexes on customers, follow-ups and deals are made to. (Django refuses COUNT(*) with a
# filter, which `series` adds.)
ROWS = Count(Value(1))


def owner_as_value(column: str) -> Any:
    """The owner column as a value (column + 0) to group on: SQLite then reads the figure's rows from the index that
    holds them (a date range of a covering index, then a sort) where, grouped on the column, it walks the owner's
    index for the order and reads each row from the table (the follow-ups' distinct customers of a month at 5M
    follow-ups: 1.5 s -> 0.3 s); PostgreSQL hashes either way. A filter on the owners stays on the column."""
    return F(column) + 0


def day_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start of date_from, start of the day after date_to) as aware datetimes in the current time zone."""
    start = timezone.make_aware(dt.datetime.combine(date_from, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
    return start, end


def grouped(
    qs: QuerySet[Any],
    *,
    group_by: str,
    value: Any = None,
    owner: str = "owner_id",
    department: str = "owner__department_id",
    extra: Mapping[str, str] | None = None,
    owners: Iterable[int] | None = None,
    owner_key: Any = None,
) -> dict[Any, Decimal]:
    """One grouped query: {None: total} for "total", {user id: value} for "owner", {department id: value} for
    "department", {code: value} for an extra grouping (`extra`: its name -> ORM path), and tuples of keys for two
    groupings joined by "+" ("owner+level"). `owners` narrows to those people first. An unknown grouping answers {}.
    `owner_key`: the expression grouped on for the owner, where not the `owner` column itself (see owner_as_value)."""
    value = value if value is not None else ROWS
    found = grouped_columns(
        qs,
        group_by=group_by,
        columns={"v": value},
        owner=owner,
        department=department,
        extra=extra,
        owners=owners,
        owner_key=owner_key,
    )
    if found is None:
        return {}
    return {key: Decimal(row["v"] or 0) for key, row in found.items()}


def grouped_columns(
    qs: QuerySet[Any],
    *,
    group_by: str,
    columns: Mapping[str, Any],
    owner: str = "owner_id",
    department: str = "owner__department_id",
    extra: Mapping[str, str] | None = None,
    owners: Iterable[int] | None = None,
    owner_key: Any = None,
) -> dict[Any, dict[str, Any]] | None:
    """`grouped` with several aggregate columns in the same query: {group key: {column: raw value}} ("total": the
    one key None, always present); None for an unknown grouping."""
    if owners is not None:
        qs = qs.filter(**{f"{owner}__in": list(owners)})
    qs = qs.order_by()
    if group_by == "total":
        return {None: qs.aggregate(**columns)}
    paths = {"owner": owner, "department": department, **(extra or {})}
    parts = group_by.split("+")
    if any(p not in paths for p in parts):
        return None
    names = {f"k{i}": owner_key if p == "owner" and owner_key is not None else F(paths[p]) for i, p in enumerate(parts)}
    rows = qs.values(**names).annotate(**columns)
    if len(parts) == 1:
        return {row["k0"]: row for row in rows}
    return {tuple(row[n] for n in names): row for row in rows}


def ratio(top: dict[Any, Decimal], bottom: dict[Any, Decimal], *, scale: Decimal = Decimal(1)) -> dict[Any, Decimal]:
    """top / bottom per key (× scale), two decimals; keys without a bottom are left out."""
    return {k: (v * scale / bottom[k]).quantize(Decimal("0.01")) for k, v in top.items() if bottom.get(k)}


@lru_cache(maxsize=512)
def _list_path(url_name: str, prefix: str, urlconf: Any) -> str:
    return reverse(url_name, urlconf=urlconf)


def drill_url(url_name: str, params: Mapping[str, Any]) -> str:
    """The list page `url_name` with the filters in `params` (None values dropped; a list or tuple repeats its
    key, one value each: a multi-choice filter). The page's path is resolved once per name (a report links a
    thousand cells to a few lists)."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        for one in value if isinstance(value, list | tuple) else [value]:
            if one is not None and one != "":
                pairs.append((key, str(one)))
    query = urlencode(pairs)
    return _list_path(url_name, get_script_prefix(), get_urlconf()) + (f"?{query}" if query else "")


def in_period(qs: QuerySet[Any], field: str, date_from: dt.date, date_to: dt.date, *, since: bool = True) -> Any:
    """The rows whose `field` falls in the period (dates inclusive; a date-time field from the first day's start to
    the last day's end); with since=False, every row up to the period's end (a stock at a moment)."""
    return qs.filter(period_q(qs, field, date_from, date_to, since=since))


def period_q(qs: QuerySet[Any], field: str, date_from: dt.date, date_to: dt.date, *, since: bool = True) -> Q:
    """The condition `in_period` filters on, as a Q (several periods are OR-ed, or counted apart, in one query)."""
    if isinstance(qs.model._meta.get_field(field), DateTimeField):
        start, end = day_bounds(date_from, date_to)
        upper = Q(**{f"{field}__lt": end})
        return upper & Q(**{f"{field}__gte": start}) if since else upper
    upper = Q(**{f"{field}__lte": date_to})
    return upper & Q(**{f"{field}__gte": date_from}) if since else upper


MetricCompute = Callable[..., dict[Any, Decimal]]


Periods = Sequence[tuple[dt.date, dt.date]]


class PeriodMetric:
    """A Metric's `compute` built by `period_metric`; it also answers several periods at once (`series`)."""

    def __init__(
        self,
        rows: Callable[[Any], QuerySet[Any]],
        *,
        within: str | None,
        by_end: str | None,
        value: Any,
        owner: str,
        department: str,
        extra: Mapping[str, str] | None,
        owner_key: Any = None,
    ) -> None:
        self.rows, self.within, self.by_end, self.value = rows, within, by_end, value
        self.paths: dict[str, Any] = {"owner": owner, "department": department, "extra": extra, "owner_key": owner_key}

    def __call__(
        self, *, user: Any, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
    ) -> dict[Any, Decimal]:
        qs = self.rows(user)
        if self.within or self.by_end:
            qs = in_period(qs, self.within or self.by_end or "", date_from, date_to, since=bool(self.within))
        return grouped(qs, group_by=group_by, value=self.value, owners=owners, **self.paths)

    def series(
        self, *, user: Any, periods: Periods, group_by: str, owners: Iterable[int] | None = None
    ) -> list[dict[Any, Decimal]]:
        """What `compute` answers for each period, in one query per run of adjacent periods: the rows between the
        run's first and last day, each period's figure an aggregate filtered on its own dates (six months by
        department: one query; a month, the one before and a year ago: two). One range of dates, not an OR of
        several, so an index holding the figure's columns answers it alone (an OR is read through the table).
        A group with no row in a period is left out of that period, as `compute` leaves it out."""
        field = self.within or self.by_end
        if not periods:
            return []
        if not field:  # a figure of now: the same for every period
            now = self(user=user, date_from=periods[0][0], date_to=periods[0][1], group_by=group_by, owners=owners)
            return [dict(now) for _p in periods]
        qs = self.rows(user)
        since = bool(self.within)
        value = self.value if self.value is not None else ROWS
        answers: list[dict[Any, Decimal]] = [{} for _p in periods]
        for run in adjacent_runs(periods) if since else [list(range(len(periods)))]:
            columns: dict[str, Any] = {}
            for i in run:
                condition = period_q(qs, field, *periods[i], since=since)
                columns[f"v{i}"] = _filtered(value, condition)
                columns[f"n{i}"] = _filtered(ROWS, condition)
            first, last = min(periods[i][0] for i in run), max(periods[i][1] for i in run)
            found = grouped_columns(
                in_period(qs, field, first, last, since=since),
                group_by=group_by,
                columns=columns,
                owners=owners,
                **self.paths,
            )
            for i in run:
                answers[i] = {
                    key: Decimal(row[f"v{i}"] or 0)
                    for key, row in (found or {}).items()
                    if group_by == "total" or row[f"n{i}"]
                }
        return answers


def adjacent_runs(periods: Periods) -> list[list[int]]:
    """The periods' indexes in runs whose days touch or overlap (a month and the one before: one run; a year ago:
    another), each run read as one range of dates (not one range from the first day to the last: a month and the
    same month a year ago would read the eleven between)."""
    order = sorted(range(len(periods)), key=lambda i: periods[i][0])
    runs: list[list[int]] = []
    reach = dt.date.min  # the last day of the run so far
    for i in order:
        first, last = periods[i]
        if runs and first <= reach + dt.timedelta(days=1):
            runs[-1].append(i)
            reach = max(reach, last)
        else:
            runs.append([i])
            reach = last
    return runs


def _filtered(value: Any, condition: Q) -> Any:
    """The aggregate `value` counted over the rows meeting `condition` only (SQL FILTER, or CASE where not)."""
    copy = value.copy()
    copy.filter = condition if copy.filter is None else copy.filter & condition
    return copy


def period_metric(
    rows: Callable[[Any], QuerySet[Any]],
    *,
    within: str | None = None,
    by_end: str | None = None,
    value: Any = None,
    owner: str = "owner_id",
    department: str = "owner__department_id",
    extra: Mapping[str, str] | None = None,
    owner_key: Any = None,
) -> PeriodMetric:
    """A Metric's `compute`: counts (or `value`: Sum("amount"), Count(distinct)…) the rows `rows(user)` answers (the
    reader's data scope), those whose `within` field falls in the period, or whose `by_end` field is at or before its
    end (a stock), or all of them (neither given: a figure of now), grouped as `grouped` does. Its `series` answers
    several periods in one query. `owner_key`: see `grouped`."""
    return PeriodMetric(
        rows,
        within=within,
        by_end=by_end,
        value=value,
        owner=owner,
        department=department,
        extra=extra,
        owner_key=owner_key,
    )


RecordsUrl = Callable[..., str]


# The group of the rows with no value in a grouping (a lost deal with no reason given; its key is None in the
# figures): `records(group=EMPTY_GROUP)` lists those rows, where group=None would list every row.
EMPTY_GROUP: Any = type("EmptyGroup", (), {"__repr__": lambda self: "EMPTY_GROUP"})()


def period_records(
    url_name: str,
    *,
    dates: tuple[str | None, str | None] | None = None,
    owner_as: str | None = "owner",
    department_as: str | None = "department",
    group_as: str | None = None,
    department_exact: bool = False,
    **fixed: Any,
) -> RecordsUrl:
    """A Metric's `records`: the list page `url_name` with the `fixed` filters, then the period's first and last day
    in the list's two date filters named by `dates` (either may be None: not filtered), then the figure's owner,
    department and extra group in the filters so named (None: the list has no such filter); `EMPTY_GROUP` as the
    group: the rows without one (the list's advanced filter "is empty" on the field `group_as`).

    `department_exact`: the list's own department filter takes the department with the ones below it (customers),
    while the figure counts each row for its own department; the department then goes in the list's advanced
    filter instead (`where`: the field `department_as` equal to it), which reads the row's own department."""

    def records(
        *, date_from: dt.date, date_to: dt.date, owner: Any = None, department: Any = None, group: Any = None
    ) -> str:
        params: dict[str, Any] = dict(fixed)
        for name, day in zip(dates or (None, None), (date_from, date_to), strict=True):
            if name:
                params[name] = day
        exact = department_exact and department is not None
        empty = group is EMPTY_GROUP
        for name, key in (
            (owner_as, owner),
            (None if exact else department_as, department),
            (None if empty else group_as, group),
        ):
            if name:
                params[name] = key
        rules = []
        if exact and department_as:
            rules.append({"f": department_as, "op": "eq", "v": str(department)})
        if empty and group_as:  # the rows with no value in the grouping ("no reason given"): the advanced filter
            rules.append({"f": group_as, "op": "empty"})
        if rules:
            params["where"] = json.dumps({"groups": [{"rules": rules}]}, separators=(",", ":"))
        return drill_url(url_name, params)

    return records
