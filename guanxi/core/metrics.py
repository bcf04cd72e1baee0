"""Helpers for the metrics apps register with core.registry (`Metric`, docs/extending.md "Metrics"): the grouped
query every metric runs, the period's bounds and the drill-down URL of the list page behind a figure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, F, QuerySet
from django.urls import reverse
from django.utils import timezone

ZERO = Decimal("0")


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
) -> dict[Any, Decimal]:
    """One grouped query: {None: total} for "total", {user id: value} for "owner", {department id: value} for
    "department", {code: value} for an extra grouping (`extra`: its name -> ORM path), and tuples of keys for two
    groupings joined by "+" ("owner+level"). `owners` narrows to those people first. An unknown grouping answers {}."""
    value = value if value is not None else Count("pk")
    if owners is not None:
        qs = qs.filter(**{f"{owner}__in": list(owners)})
    qs = qs.order_by()
    if group_by == "total":
        return {None: Decimal(qs.aggregate(v=value)["v"] or 0)}
    paths = {"owner": owner, "department": department, **(extra or {})}
    parts = group_by.split("+")
    if any(p not in paths for p in parts):
        return {}
    names = {f"k{i}": F(paths[p]) for i, p in enumerate(parts)}
    rows = qs.values(**names).annotate(v=value)
    if len(parts) == 1:
        return {row["k0"]: Decimal(row["v"] or 0) for row in rows}
    return {tuple(row[n] for n in names): Decimal(row["v"] or 0) for row in rows}


def ratio(top: dict[Any, Decimal], bottom: dict[Any, Decimal], *, scale: Decimal = Decimal(1)) -> dict[Any, Decimal]:
    """top / bottom per key (× scale), two decimals; keys without a bottom are left out."""
    return {k: (v * scale / bottom[k]).quantize(Decimal("0.01")) for k, v in top.items() if bottom.get(k)}


def drill_url(url_name: str, params: Mapping[str, Any]) -> str:
    """The list page `url_name` with the filters in `params` (None values dropped)."""
    query = urlencode([(k, str(v)) for k, v in params.items() if v is not None and v != ""])
    return reverse(url_name) + (f"?{query}" if query else "")
