"""The contract figures analytics reads (core.registry `Metric`, docs/extending.md "Metrics"): the signed contract
amount, from contracts themselves (a contract signed without a won opportunity counts too), over the reader's data
scope in grouped queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.metrics import grouped
from guanxi.core.registry import Metric
from guanxi.org.models import User
from guanxi.org.policies import scope_queryset_or_none

from .models import Contract

# A contract counts as signed from its signing date on, also once executed or completed (not when terminated).
SIGNED_STATUSES = (Contract.Status.SIGNED, Contract.Status.IN_EXECUTION, Contract.Status.COMPLETED)


def _signed(user: User, date_from: dt.date, date_to: dt.date) -> Any:
    return scope_queryset_or_none(user, Contract.objects.all()).filter(
        status__in=SIGNED_STATUSES, signed_on__gte=date_from, signed_on__lte=date_to
    )


def signed_contract_amount(
    *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    qs = _signed(user, date_from, date_to)
    return grouped(qs, group_by=group_by, owners=owners, value=Sum("amount"), department="department_id")


def signed_contract_count(
    *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    return grouped(_signed(user, date_from, date_to), group_by=group_by, owners=owners, department="department_id")


def signed_records(
    *, date_from: dt.date, date_to: dt.date, owner: Any = None, department: Any = None, group: Any = None
) -> str:
    params: list[tuple[str, Any]] = [("scene", "all"), ("signed_on_from", date_from), ("signed_on_to", date_to)]
    params += [("status", s.value) for s in SIGNED_STATUSES]
    params += [(k, v) for k, v in (("owner", owner), ("department", department)) if v is not None]
    return reverse("commerce:contract_list") + "?" + urlencode([(k, str(v)) for k, v in params])


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
