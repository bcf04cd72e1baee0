"""The money figures analytics reads (core.registry `Metric`, docs/extending.md "Metrics"): collected amounts (回款)
and receivables (应收), over the reader's payments scope in grouped queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from guanxi.core.metrics import grouped, grouped_columns, period_metric, period_records
from guanxi.core.registry import Metric
from guanxi.org.models import User
from guanxi.org.policies import has_permission, scope_queryset_or_none

from .models import Payment
from .policies import RECEIVABLE_STATUSES
from .selectors import money_contracts

PAYMENT_PATHS: dict[str, Any] = {"owner": "contract__owner_id", "department": "contract__department_id"}


# Payments received in the period, net of reversals, by the contract's owner and department.
collected_amount = period_metric(
    lambda user: scope_queryset_or_none(user, Payment.objects.all()),
    within="received_on",
    value=Sum("amount"),
    **PAYMENT_PATHS,
)
collected_records = period_records("billing:payment_list", dates=("received_on_from", "received_on_to"), scene="all")


class Receivables:
    """Balance due at the end of the period: the amount of approved, signed and running contracts (signed by then)
    less what was collected on them by then, by the contract's owner and the owner's department. `series` answers
    several period ends in two queries (each end's contracts and payments counted apart)."""

    PATHS: dict[str, Any] = {"owner": "owner_id", "department": "owner__department_id"}
    PAID_PATHS: dict[str, Any] = {"owner": "contract__owner_id", "department": "contract__owner__department_id"}

    def __call__(
        self, *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
    ) -> dict[Any, Decimal]:
        if not has_permission(user, "payments.view"):
            return {}
        contracts = money_contracts(user).filter(status__in=RECEIVABLE_STATUSES).exclude(signed_on__gt=date_to)
        owed = grouped(contracts, group_by=group_by, owners=owners, value=Sum("amount"), **self.PATHS)
        paid = grouped(
            Payment.objects.filter(contract__in=contracts.values("pk"), received_on__lte=date_to),
            group_by=group_by,
            owners=owners,
            value=Sum("amount"),
            **self.PAID_PATHS,
        )
        return {k: v - paid.get(k, Decimal(0)) for k, v in owed.items()}

    def series(
        self,
        *,
        user: User,
        periods: Sequence[tuple[dt.date, dt.date]],
        group_by: str,
        owners: Iterable[int] | None = None,
    ) -> list[dict[Any, Decimal]]:
        if not has_permission(user, "payments.view"):
            return [{} for _p in periods]
        ends = [end for _start, end in periods]
        contracts = money_contracts(user).filter(status__in=RECEIVABLE_STATUSES)
        signed_by = [Q(signed_on__isnull=True) | Q(signed_on__lte=end) for end in ends]  # not signed after the end
        owed = grouped_columns(
            contracts,
            group_by=group_by,
            owners=owners,
            columns=_columns(signed_by),
            **self.PATHS,
        )
        on_signed = [
            Q(received_on__lte=end) & (Q(contract__signed_on__isnull=True) | Q(contract__signed_on__lte=end))
            for end in ends
        ]
        paid = grouped_columns(
            Payment.objects.filter(contract__in=contracts.values("pk")),
            group_by=group_by,
            owners=owners,
            columns=_columns(on_signed),
            **self.PAID_PATHS,
        )
        if owed is None or paid is None:
            return [{} for _p in periods]
        return [
            {
                k: Decimal(row[f"v{i}"] or 0) - Decimal((paid.get(k) or {}).get(f"v{i}") or 0)
                for k, row in owed.items()
                if group_by == "total" or row[f"n{i}"]
            }
            for i in range(len(ends))
        ]


def _columns(conditions: list[Q]) -> dict[str, Any]:
    """Per period i: the amount (v{i}) and the number (n{i}) of the rows meeting its condition."""
    columns: dict[str, Any] = {}
    for i, condition in enumerate(conditions):
        columns[f"v{i}"] = Sum("amount", filter=condition)
        columns[f"n{i}"] = Count("pk", filter=condition)
    return columns


receivables = Receivables()


receivables_records = period_records("billing:receivables", scene="open")


METRICS = (
    Metric(
        key="collected_amount",
        label=_("Collected amount"),
        unit="money",
        compute=collected_amount,
        records=collected_records,
        permission="payments.view",
        help=_("Payments received in the period, net of reversals."),
        order=50,
    ),
    Metric(
        key="receivables",
        label=_("Balance due (receivables)"),
        unit="money",
        compute=receivables,
        records=receivables_records,
        permission="payments.view",
        help=_("Balance due on contracts at the end of the period."),
        order=51,
        final=False,
    ),
)
