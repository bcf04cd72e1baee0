"""The contract figures analytics reads (core.registry `Metric`, docs/extending.md "Metrics"): the signed contract
amount, from contracts themselves (a contract signed without a won opportunity counts too), over the reader's data
scope in grouped queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from guanxi.core.metrics import period_metric, period_records
from guanxi.core.registry import Metric
from guanxi.org.models import User
from guanxi.org.policies import scope_queryset_or_none

from .models import Contract

# A contract counts as signed from its signing date on, also once executed or completed (not when terminated).
SIGNED_STATUSES = (Contract.Status.SIGNED, Contract.Status.IN_EXECUTION, Contract.Status.COMPLETED)


def _signed(user: User) -> Any:
    return scope_queryset_or_none(user, Contract.objects.all()).filter(status__in=SIGNED_STATUSES)


# By signing date, for the contract's owner and the department it was made in.
signed_contract_amount = period_metric(_signed, within="signed_on", value=Sum("amount"), department="department_id")
signed_contract_count = period_metric(_signed, within="signed_on", department="department_id")
signed_records = period_records(
    "commerce:contract_list",
    dates=("signed_on_from", "signed_on_to"),
    scene="all",
    status=[s.value for s in SIGNED_STATUSES],
)


METRICS = (
    Metric(
        key="signed_contract_amount",
        label=_("Signed contract amount"),
        unit="money",
        compute=signed_contract_amount,
        records=signed_records,
        permission="contracts.view",
        help=_("Contracts signed in the period (by signing date), executed and completed ones too."),
        order=40,
    ),
    Metric(
        key="signed_contracts",
        label=_("Contracts signed"),
        unit="count",
        compute=signed_contract_count,
        records=signed_records,
        permission="contracts.view",
        order=41,
    ),
)
