"""The money figures analytics reads (core.registry `Metric`, docs/extending.md "Metrics"): collected amounts (回款)
and receivables (应收), over the reader's payments scope in grouped queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from guanxi.core.metrics import grouped, period_metric, period_records
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


def receivables(
    *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    """Balance due at the end of the period: the amount of approved, signed and running contracts (signed by then)
    less what was collected on them by then, by the contract's owner and the owner's department."""
    if not has_permission(user, "payments.view"):
        return {}
    contracts = money_contracts(user).filter(status__in=RECEIVABLE_STATUSES).exclude(signed_on__gt=date_to)
    paths: dict[str, Any] = {"owner": "owner_id", "department": "owner__department_id"}
    owed = grouped(contracts, group_by=group_by, owners=owners, value=Sum("amount"), **paths)
    paid = grouped(
        Payment.objects.filter(contract__in=contracts.values("pk"), received_on__lte=date_to),
        group_by=group_by,
        owners=owners,
        value=Sum("amount"),
        owner="contract__owner_id",
        department="contract__owner__department_id",
    )
    return {k: v - paid.get(k, Decimal(0)) for k, v in owed.items()}


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
    ),
)
