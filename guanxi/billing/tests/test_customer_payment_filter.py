"""The customer list's payment filter (billing/customer_filters.py), which dynamic segments read too: who paid in the
last 12 months, who paid ¥100,000 or more in all (a reversal counts against it), who has an instalment overdue;
read as the list page reads it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.http import QueryDict
from django.utils import timezone

from guanxi.billing.models import Payment
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.lists.engine import resolve
from guanxi.org.lists.registry import definition

from .factories import ContractFactory, InstalmentFactory

pytestmark = pytest.mark.django_db


def _names(user: Any, query: str) -> set[str]:
    return set(resolve(definition("customers"), user=user, query=QueryDict(query)).qs.values_list("name", flat=True))


def _paid(contract: Any, amount: str, days_ago: int, reversal_of: Payment | None = None) -> Payment:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return Payment.objects.create(contract=contract, received_on=day, amount=Decimal(amount), reversal_of=reversal_of)


def test_each_payment_case_holds_exactly_its_customers(org: Any) -> None:
    today = timezone.localdate()
    recent, big, reversed_, late = (
        CustomerFactory(name=n, owner=org["east_rep"]) for n in ("近期回款", "大额回款", "红冲", "逾期")
    )
    _paid(ContractFactory(customer=recent), "20000", 30)
    first = ContractFactory(customer=big)
    _paid(first, "80000", 500)
    _paid(ContractFactory(customer=big), "30000", 400)  # two contracts: 110,000 in all, none in 12 months
    wrong = ContractFactory(customer=reversed_)
    mistaken = _paid(wrong, "150000", 200)
    _paid(wrong, "-150000", 199, reversal_of=mistaken)  # the reversal (红冲): nothing paid in the end
    InstalmentFactory(contract=ContractFactory(customer=late), due_date=today - dt.timedelta(days=3))
    mine = {"近期回款", "大额回款", "红冲", "逾期"}
    admin = org["admin"]
    assert _names(admin, "payments=paid_12m") & mine == {"近期回款"}
    assert _names(admin, "payments=paid_100k") & mine == {"大额回款"}
    assert _names(admin, "payments=overdue") & mine == {"逾期"}
    assert _names(admin, "payments=paid_12m&payments=overdue") & mine == {"近期回款", "逾期"}
