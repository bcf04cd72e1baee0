from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from guanxi.billing.models import Instalment
from guanxi.commerce.models import Contract
from guanxi.customers.tests.factories import CustomerFactory


class ContractFactory(DjangoModelFactory):
    """A signed contract (plain ORM: the tests of billing do not depend on commerce's services)."""

    class Meta:
        model = Contract

    number = factory.Sequence(lambda n: f"HT-2026-{n:05d}")
    title = factory.Sequence(lambda n: f"软件采购合同{n}")
    customer = factory.SubFactory(CustomerFactory)
    owner = factory.LazyAttribute(lambda c: c.customer.owner)
    department = factory.LazyAttribute(lambda c: c.owner.department)
    status = Contract.Status.SIGNED
    amount = Decimal("100000.00")
    signed_on = dt.date(2026, 10, 1)


class InstalmentFactory(DjangoModelFactory):
    class Meta:
        model = Instalment

    contract = factory.SubFactory(ContractFactory)
    sequence = factory.Sequence(lambda n: n + 1)
    due_date = dt.date(2026, 11, 1)
    amount = Decimal("1000.00")
