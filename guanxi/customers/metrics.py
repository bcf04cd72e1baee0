"""The customer figures analytics reads (core.registry `Metric`, docs/extending.md "Metrics"): new customers,
customers by level, follow-ups and contact frequency, each over the reader's data scope, in grouped queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from guanxi.core.metrics import day_bounds, drill_url, grouped, ratio
from guanxi.core.registry import METRIC_GROUPINGS, Metric
from guanxi.org.models import User
from guanxi.org.policies import scope_queryset_or_none

from .models import Customer, FollowUp

LEVEL = {"level": "level"}


def _level_label(grouping: str, code: Any) -> Any:
    from guanxi.core.dictionaries.selectors import label_of

    return label_of("customer_level", code) if code else "—"


def _customers(user: User) -> Any:
    return scope_queryset_or_none(user, Customer.objects.filter(owner__isnull=False))


def new_customers(
    *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    start, end = day_bounds(date_from, date_to)
    qs = _customers(user).filter(created_at__gte=start, created_at__lt=end)
    return grouped(qs, group_by=group_by, department="department_id", extra=LEVEL, owners=owners)


def new_customers_records(
    *, date_from: dt.date, date_to: dt.date, owner: Any = None, department: Any = None, group: Any = None
) -> str:
    return drill_url(
        "customers:list",
        {
            "scene": "all",
            "created_after": date_from,
            "created_before": date_to,
            "owner": owner,
            "department": department,
            "level": group,
        },
    )


def customers_by_level(
    *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    """Customers owned at the end of the period (not in the pool), by the level they have now."""
    _start, end = day_bounds(date_from, date_to)
    qs = _customers(user).filter(created_at__lt=end)
    return grouped(qs, group_by=group_by, department="department_id", extra=LEVEL, owners=owners)


def customers_by_level_records(
    *, date_from: dt.date, date_to: dt.date, owner: Any = None, department: Any = None, group: Any = None
) -> str:
    return drill_url(
        "customers:list",
        {"scene": "all", "created_before": date_to, "owner": owner, "department": department, "level": group},
    )


def _follow_ups(user: User, date_from: dt.date, date_to: dt.date) -> Any:
    start, end = day_bounds(date_from, date_to)
    return scope_queryset_or_none(user, FollowUp.objects.all()).filter(occurred_at__gte=start, occurred_at__lt=end)


FOLLOW_UP_PATHS = {"owner": "author_id", "department": "author__department_id", "extra": {"method": "method"}}


def follow_ups(
    *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    """Follow-ups logged in the period, by their author (the person who made the call or visit)."""
    return grouped(
        _follow_ups(user, date_from, date_to),
        group_by=group_by,
        owner="author_id",
        department="author__department_id",
        extra={"method": "method"},
        owners=owners,
    )


def follow_ups_records(
    *, date_from: dt.date, date_to: dt.date, owner: Any = None, department: Any = None, group: Any = None
) -> str:
    return drill_url(
        "customers:follow_up_list",
        {
            "occurred_from": date_from,
            "occurred_to": date_to,
            "author": owner,
            "department": department,
            "method": group,
        },
    )


def months_in(date_from: dt.date, date_to: dt.date) -> Decimal:
    """The period's length in months (at least one): whole calendar months when it runs from a month's first day
    to a month's last, else 30.44 days each."""
    if date_from.day == 1 and (date_to + dt.timedelta(days=1)).day == 1:
        return Decimal((date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1)
    days = (date_to - date_from).days + 1
    return max(Decimal(1), (Decimal(days) / Decimal("30.44")).quantize(Decimal("0.01")))


def contact_frequency(
    *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    """Follow-ups per customer contacted per month (机会联系频率): follow-ups ÷ distinct customers ÷ months."""
    qs = _follow_ups(user, date_from, date_to)
    paths: dict[str, Any] = {"owner": "author_id", "department": "author__department_id", "owners": owners}
    logged = grouped(qs, group_by=group_by, **paths)
    customers = grouped(qs, group_by=group_by, value=Count("customer_id", distinct=True), **paths)
    months = months_in(date_from, date_to)
    return {k: (v / months).quantize(Decimal("0.01")) for k, v in ratio(logged, customers).items()}


METRICS = (
    Metric(
        key="new_customers",
        label=_("New customers"),
        unit="count",
        compute=new_customers,
        records=new_customers_records,
        groupings=(*METRIC_GROUPINGS, "level", "owner+level"),
        group_label=_level_label,
        permission="customers.view",
        help=_("Customers created in the period that have an owner."),
        order=10,
    ),
    Metric(
        key="customers_by_level",
        label=_("Customers by level"),
        unit="count",
        compute=customers_by_level,
        records=customers_by_level_records,
        groupings=(*METRIC_GROUPINGS, "level", "owner+level"),
        group_label=_level_label,
        permission="customers.view",
        help=_("Customers owned at the end of the period, by their level."),
        order=11,
    ),
    Metric(
        key="follow_ups",
        label=_("Follow-ups"),
        unit="count",
        compute=follow_ups,
        records=follow_ups_records,
        groupings=(*METRIC_GROUPINGS, "method"),
        permission="followups.view",
        help=_("Calls, visits and other follow-ups logged in the period, by their author."),
        order=12,
    ),
    Metric(
        key="contact_frequency",
        label=_("Contact frequency"),
        unit="ratio",
        compute=contact_frequency,
        records=follow_ups_records,
        permission="followups.view",
        help=_("Follow-ups per customer contacted per month."),
        order=13,
    ),
)
