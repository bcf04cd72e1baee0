"""Fixtures of the marketing tests: the org chart plus a marketing user, and hand-built customers with contacts
(two A-level customers of east_rep's, one B of west_rep's)."""

from __future__ import annotations

from typing import Any

import pytest

from guanxi.customers.tests.factories import ContactFactory, CustomerFactory
from guanxi.org.tests.factories import UserFactory


@pytest.fixture
def people(org: Any) -> Any:
    org.people["marketer"] = UserFactory(username="marketer", department=org.hq, roles=["marketing"])
    return org


@pytest.fixture
def book(people: Any) -> dict[str, Any]:
    east, west = people["east_rep"], people["west_rep"]
    a1 = CustomerFactory(name="北京恒信物流有限公司", owner=east, level="A", province="北京")
    a2 = CustomerFactory(name="上海远航贸易有限公司", owner=east, level="A", province="上海")
    b1 = CustomerFactory(name="成都天府科技有限公司", owner=west, level="B", province="四川")
    return {
        "a1": a1, "a2": a2, "b1": b1,
        "li": ContactFactory(customer=a1, name="李明", email="Liming@Hengxin.example", mobile="138 0013 8000",
                             is_decision_maker=True),
        "wang": ContactFactory(customer=a1, name="王芳", email="wangfang@hengxin.example", mobile=""),
        "zhao": ContactFactory(customer=a2, name="赵强", email="", mobile="13900139000", is_decision_maker=True),
        "chen": ContactFactory(customer=b1, name="陈静", email="chenjing@tianfu.example", mobile="13700137000"),
    }  # fmt: skip
