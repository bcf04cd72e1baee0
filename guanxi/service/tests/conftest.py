"""Fixtures of the service tests: the org chart plus a service agent and a service manager, and a customer of
east_rep's with a contact."""

from __future__ import annotations

from typing import Any

import pytest

from guanxi.customers.tests.factories import ContactFactory, CustomerFactory
from guanxi.org.tests.factories import UserFactory


@pytest.fixture
def people(org: Any) -> Any:
    org.people["agent"] = UserFactory(username="agent", department=org.hq, roles=["service_agent"])
    org.people["agent2"] = UserFactory(username="agent2", department=org.hq, roles=["service_agent"])
    org.people["service_manager"] = UserFactory(username="svc_manager", department=org.hq, roles=["service_manager"])
    return org


@pytest.fixture
def customer(people: Any) -> Any:
    customer = CustomerFactory(name="北京恒信物流有限公司", owner=people["east_rep"])
    ContactFactory(customer=customer, name="李明", email="liming@hengxin.example")
    return customer
