"""Fixtures of the billing tests: the org chart plus finance and sales-management people, a customer of
east_rep's with a signed contract of ¥100,000, and a JSON API client."""

from __future__ import annotations

from typing import Any

import pytest

from guanxi.core.tests.clients import JsonClient
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.tests.factories import UserFactory

from .factories import ContractFactory


@pytest.fixture
def people(org: Any) -> Any:
    org.people["finance"] = UserFactory(username="finance", department=org.hq, roles=["finance"])
    org.people["chaser"] = UserFactory(username="chaser", department=org.hq, roles=["sales_management"])
    return org


@pytest.fixture
def contract(people: Any) -> Any:
    customer = CustomerFactory(name="上海恒信机械有限公司", owner=people["east_rep"], credit_code="")
    return ContractFactory(customer=customer, owner=people["east_rep"], number="HT-2026-00001")


@pytest.fixture
def api_as() -> Any:
    return JsonClient
