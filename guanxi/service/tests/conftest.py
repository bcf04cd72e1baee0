"""Fixtures of the service tests: the org chart plus a service agent and a service manager, and a customer of
east_rep's with a contact, and the service mailbox (a dovecot account the settings point at, read as the agent)."""

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


@pytest.fixture
def service_box(imap_server: Any, settings: Any, people: Any) -> Any:
    account = imap_server.add_user("service")
    settings.GUANXI_SERVICE_IMAP_HOST = account.host
    settings.GUANXI_SERVICE_IMAP_PORT = account.port
    settings.GUANXI_SERVICE_IMAP_SECURITY = "none"
    settings.GUANXI_SERVICE_IMAP_USER = account.username
    settings.GUANXI_SERVICE_IMAP_PASSWORD = account.password
    settings.GUANXI_SERVICE_MAIL_ADDRESS = account.username
    settings.GUANXI_SERVICE_MAIL_ACTOR = "agent"
    return account
