"""Fixtures of the commerce tests: the executives in their approval positions, a small catalogue, an active
customer of the east sales rep with a contact, and a JSON API client."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.commerce import services
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory, FollowUpFactory

from .factories import ProductFactory


@pytest.fixture
def products(db: Any) -> list[Any]:
    return [
        ProductFactory(code="SW-STD", name="标准版许可", list_price=Decimal("10000.00"), tax_rate=Decimal("0.13")),
        ProductFactory(code="HW-SRV", name="服务器", list_price=Decimal("25000.00"), tax_rate=Decimal("0.13")),
        ProductFactory(
            code="SV-IMP", name="实施服务", unit="人天", list_price=Decimal("2000.00"), tax_rate=Decimal("0.06")
        ),
    ]


@pytest.fixture
def customer(org: Any) -> Any:
    """An active customer of east_rep, with a contact who has an e-mail address and a recent follow-up."""
    c = CustomerFactory(
        name="杭州云峰软件有限公司",
        owner=org["east_rep"],
        phone="0571-88886666",
        address="杭州市西湖区文三路1号",
        industry="软件",
    )
    ContactFactory(customer=c, name="陈明", email="chenming@example.com")
    FollowUpFactory(customer=c, occurred_at=timezone.now())
    return c


@pytest.fixture
def make_quote(products: list[Any]) -> Any:
    """make_quote(actor, customer, discount="0.5", **data) → a draft quote with one 2-licence line."""

    def make(actor: Any, customer: Any, discount: str = "1", quantity: str = "2", **data: Any) -> Any:
        lines = [{"product": products[0], "quantity": Decimal(quantity), "discount": Decimal(discount)}]
        return services.quote_create(actor=actor, customer=customer, data=data, lines=lines)

    return make


class JsonClient:
    def __init__(self, user: Any):
        self.client = Client()
        self.client.force_login(user)

    def call(self, method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        data = json.dumps(body) if body is not None else ""
        return getattr(self.client, method)(
            "/api/v1" + url, data=data, content_type="application/json", headers=headers or {}
        )


@pytest.fixture
def api_as() -> Any:
    return JsonClient
