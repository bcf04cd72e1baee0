"""The customer list's purchase-history filter (commerce/customer_filters.py), which dynamic segments read too:
each choice holds exactly the customers its contracts say, read as the list page reads it; a value it does not
know is dropped with a warning."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.http import QueryDict
from django.utils import timezone

from guanxi.commerce.models import Contract
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.lists.engine import resolve
from guanxi.org.lists.registry import definition

from .test_lists import contract_for

pytestmark = pytest.mark.django_db


def _names(user: Any, query: str) -> tuple[set[str], list[str]]:
    resolved = resolve(definition("customers"), user=user, query=QueryDict(query))
    return set(resolved.qs.values_list("name", flat=True)), [str(w) for w in resolved.warnings]


def _signed(org: Any, customer: Any, status: str, amount: str, days_ago: int | None = None) -> None:
    contract = contract_for(org, customer, status, amount=amount)
    if days_ago is not None:  # the signing date is set when a contract is signed, not on its form
        Contract.objects.filter(pk=contract.pk).update(signed_on=timezone.localdate() - dt.timedelta(days=days_ago))


def test_each_purchase_history_holds_exactly_its_customers(org: Any) -> None:
    recent, lapsed, never, large = (
        CustomerFactory(name=n, owner=org["east_rep"]) for n in ("近期", "流失", "从未", "大额")
    )
    signed = Contract.Status.SIGNED
    _signed(org, recent, signed, "50000", 30)
    _signed(org, lapsed, Contract.Status.COMPLETED, "150000", 700)
    _signed(org, never, Contract.Status.DRAFT, "900000")  # a draft buys nothing
    _signed(org, large, signed, "60000", 60)
    _signed(org, large, Contract.Status.IN_EXECUTION, "50000", 90)
    mine = {"近期", "流失", "从未", "大额"}
    admin = org["admin"]
    assert _names(admin, "purchases=signed_12m")[0] & mine == {"近期", "大额"}
    assert _names(admin, "purchases=lapsed")[0] & mine == {"流失"}
    assert _names(admin, "purchases=never")[0] & mine == {"从未"}
    assert _names(admin, "purchases=over_100k")[0] & mine == {"流失", "大额"}
    assert _names(admin, "purchases=never&purchases=lapsed")[0] & mine == {"从未", "流失"}
    # each customer once, however many contracts it has
    rows = list(
        resolve(definition("customers"), user=admin, query=QueryDict("purchases=signed_12m")).qs.values_list(
            "pk", flat=True
        )
    )
    assert len(rows) == len(set(rows))
    # a value the filter does not know is dropped with a warning, not a 500
    names, warnings = _names(admin, "purchases=bogus")
    assert mine <= names and warnings


def test_the_customer_lists_filter_drawer_offers_the_purchase_history(org: Any, client: Any) -> None:
    client.force_login(org["admin"])
    page = client.get("/customers/", {"purchases": "lapsed"}).content.decode()
    assert 'name="purchases" value="signed_12m"' in page
    assert 'name="purchases" value="lapsed" class="form-selectgroup-input" checked' in page
