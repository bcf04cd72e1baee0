"""The customer figures analytics reads (core.registry `Metric`, docs/extending.md "Metrics"): new customers,
customers by level, follow-ups and contact frequency, each over the reader's data scope, in grouped queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Value
from django.utils.translation import gettext_lazy as _

from guanxi.core.metrics import day_bounds, grouped_columns, owner_as_value, period_metric, period_records, ratio
from guanxi.core.registry import METRIC_GROUPINGS, Metric
from guanxi.org.models import User
from guanxi.org.policies import scope_queryset_or_none, sees_every_row

from .models import Customer, FollowUp

LEVEL = {"level": "level"}


def _level_label(grouping: str, code: Any) -> Any:
    from guanxi.core.dictionaries.selectors import label_of

    return label_of("customer_level", code) if code else "—"


def _customers(user: User) -> Any:
    return scope_queryset_or_none(user, Customer.objects.filter(owner__isnull=False))


_BY_CUSTOMER: dict[str, Any] = {"department": "department_id", "extra": LEVEL}
new_customers = period_metric(_customers, within="created_at", **_BY_CUSTOMER)
new_customers_records = period_records(
    "customers:list", dates=("created_after", "created_before"), group_as="level", scene="all", department_exact=True
)
# Customers owned at the end of the period (not in the pool), by the level they have now.
_customers_by_level_counted = period_metric(_customers, by_end="created_at", **_BY_CUSTOMER)


class CustomersByLevel:
    """The owned customers created by the period's end, by owner, department and (or) level: for a reader who sees
    every customer, the customers the database keeps counted per owner, department and level (level_counts: a few
    hundred rows) less those created after the period's end (one range of the creation index: none for the current
    month); else the grouped query over the reader's customers. The same figures, customers/tests/
    test_level_counts.py."""

    def __call__(
        self, *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
    ) -> dict[Any, Decimal]:
        return self.series(user=user, periods=[(date_from, date_to)], group_by=group_by, owners=owners)[0]

    def series(
        self,
        *,
        user: User,
        periods: Sequence[tuple[dt.date, dt.date]],
        group_by: str,
        owners: Iterable[int] | None = None,
    ) -> list[dict[Any, Decimal]]:
        from .level_counts import customer_level_counts

        now = customer_level_counts(group_by=group_by, owners=owners) if sees_every_row(user, Customer) else None
        if now is None or not periods:
            return _customers_by_level_counted.series(user=user, periods=periods, group_by=group_by, owners=owners)
        ends = [day_bounds(a, b)[1] for a, b in periods]
        later = {f"v{i}": Count(Value(1), filter=Q(created_at__gte=end)) for i, end in enumerate(ends)}
        found = grouped_columns(
            Customer.objects.filter(owner__isnull=False, created_at__gte=min(ends)),
            group_by=group_by,
            columns=later,
            owners=owners,
            **_BY_CUSTOMER,
        )
        answers = []
        for i in range(len(periods)):
            figure = {key: n - Decimal((found or {}).get(key, {}).get(f"v{i}") or 0) for key, n in now.items()}
            answers.append(figure if group_by == "total" else {key: n for key, n in figure.items() if n})
        return answers


customers_by_level = CustomersByLevel()
customers_by_level_records = period_records(
    "customers:list", dates=(None, "created_before"), group_as="level", scene="all", department_exact=True
)


def _follow_ups(user: User) -> Any:
    return scope_queryset_or_none(user, FollowUp.objects.all())


# Follow-ups are counted for their author (the person who made the call or visit).
FOLLOW_UP_PATHS: dict[str, Any] = {"owner": "author_id", "department": "author__department_id"}
_follow_ups_counted = period_metric(_follow_ups, within="occurred_at", extra={"method": "method"}, **FOLLOW_UP_PATHS)


class FollowUpCount:
    """Follow-ups in the period by their author, the author's department, the method, or in total: for a reader who
    sees every follow-up, read in the periods' zone, from the counts the database keeps per day, author and method
    (followup_counts: a few thousand rows, not every follow-up of the period; the same figures,
    customers/tests/test_followup_counts.py); else the grouped query over the reader's follow-ups."""

    def __call__(
        self, *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
    ) -> dict[Any, Decimal]:
        kept = _kept_counts(user, [(date_from, date_to)], group_by, owners)
        if kept is not None:
            return kept[0]
        return _follow_ups_counted(user=user, date_from=date_from, date_to=date_to, group_by=group_by, owners=owners)

    def series(
        self,
        *,
        user: User,
        periods: Sequence[tuple[dt.date, dt.date]],
        group_by: str,
        owners: Iterable[int] | None = None,
    ) -> list[dict[Any, Decimal]]:
        kept = _kept_counts(user, periods, group_by, owners)
        if kept is not None:
            return kept
        return _follow_ups_counted.series(user=user, periods=periods, group_by=group_by, owners=owners)


def _kept_counts(
    user: User, periods: Sequence[tuple[dt.date, dt.date]], group_by: str, owners: Iterable[int] | None
) -> list[dict[Any, Decimal]] | None:
    from django.utils import timezone

    from .followup_counts import followup_counts, kept_zone

    if timezone.get_current_timezone_name() != kept_zone():  # the days are counted in the installation's zone
        return None
    if not sees_every_row(user, FollowUp):
        return None
    return followup_counts(periods=periods, group_by=group_by, owners=owners)


follow_ups = FollowUpCount()
follow_ups_records = period_records(
    "customers:follow_up_list", dates=("occurred_from", "occurred_to"), owner_as="author", group_as="method"
)
_customers_contacted = period_metric(
    _follow_ups,
    within="occurred_at",
    value=Count("customer_id", distinct=True),
    owner_key=owner_as_value("author_id"),  # the month's follow-ups read from the figures' index, not the table
    **FOLLOW_UP_PATHS,
)


def months_in(date_from: dt.date, date_to: dt.date) -> Decimal:
    """The period's length in months (at least one): whole calendar months when it runs from a month's first day
    to a month's last, else 30.44 days each."""
    if date_from.day == 1 and (date_to + dt.timedelta(days=1)).day == 1:
        return Decimal((date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1)
    days = (date_to - date_from).days + 1
    return max(Decimal(1), (Decimal(days) / Decimal("30.44")).quantize(Decimal("0.01")))


class ContactFrequency:
    """Follow-ups per customer contacted per month (机会联系频率): follow-ups ÷ distinct customers ÷ months; `series`
    answers several periods in two queries."""

    def __call__(
        self, *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
    ) -> dict[Any, Decimal]:
        period: dict[str, Any] = {"user": user, "date_from": date_from, "date_to": date_to, "owners": owners}
        logged = follow_ups(group_by=group_by, **period)
        customers = _customers_contacted(group_by=group_by, **period)
        return _per_month(logged, customers, date_from, date_to)

    def series(
        self,
        *,
        user: User,
        periods: Sequence[tuple[dt.date, dt.date]],
        group_by: str,
        owners: Iterable[int] | None = None,
    ) -> list[dict[Any, Decimal]]:
        asked: dict[str, Any] = {"user": user, "periods": periods, "group_by": group_by, "owners": owners}
        logged, customers = follow_ups.series(**asked), _customers_contacted.series(**asked)
        return [_per_month(n, c, a, b) for (a, b), n, c in zip(periods, logged, customers, strict=True)]


def _per_month(
    logged: dict[Any, Decimal], customers: dict[Any, Decimal], date_from: dt.date, date_to: dt.date
) -> dict[Any, Decimal]:
    months = months_in(date_from, date_to)
    return {k: (v / months).quantize(Decimal("0.01")) for k, v in ratio(logged, customers).items()}


contact_frequency = ContactFrequency()


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
        final=False,
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
