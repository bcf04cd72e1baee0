"""The global search asks its sources' search-index probes in one query (core.dbvendor.probes) and skips the index of
a module the user may not see: the same groups as asking every source on its own, in a bounded number of queries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.billing.tests.factories import ContractFactory
from guanxi.core.registry import registry
from guanxi.core.selectors import global_search
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory
from guanxi.sales.opportunities import services as opportunity_services
from guanxi.sales.tests.factories import LeadFactory
from guanxi.service.tests.factories import make_asset, make_ticket

pytestmark = pytest.mark.django_db

SQLITE = connection.vendor == "sqlite"
QUERIES = ["恒信", "恒", "hengxin", "hx", "13800138000", "138", "ERP 恒信", "王府井", "东海 crm", "线索", "zz-none"]


def one_by_one(user: Any, query: str, limit: int = 8) -> list[dict[str, Any]]:
    """What global_search gave before: every source asked on its own, its probes one at a time."""
    groups: list[dict[str, Any]] = []
    if not query.strip():
        return groups  # a blank query searches nothing
    for source in registry.search:
        try:
            hits = source.search(user=user, query=query, limit=limit)
        except Exception:  # noqa: BLE001 (a source the user may not use gives no group, as in global_search)
            continue
        if hits:
            groups.append({"key": source.key, "label": source.label, "hits": hits})
    return groups


def probes(queries: list[dict[str, Any]]) -> int:
    return sum(1 for q in queries if " MATCH " in q["sql"] and "count(*)" in q["sql"])


@pytest.fixture
def data(org: Any) -> dict[str, Any]:
    rep = org["east_rep"]
    hengxin = CustomerFactory(owner=rep, name="北京恒信科技有限公司", phone="13800138000")
    donghai = CustomerFactory(owner=org["west_rep"], name="上海东海贸易有限公司")
    ContactFactory(customer=hengxin, name="王恒", mobile="13800138001")
    ContactFactory(customer=donghai, name="李信", mobile="13900139000")
    LeadFactory(owner=rep, company_name="恒信线索有限公司")
    opportunity_services.opportunity_create(actor=rep, customer=hengxin, data={"name": "王府井门店 ERP 升级"})
    opportunity_services.opportunity_create(actor=org["west_rep"], customer=donghai, data={"name": "华南区 CRM 项目"})
    # one of every other kind, so that each source's rows go through the shared query (amounts, choices, relations)
    ContractFactory(customer=hengxin, title="恒信 ERP 合同", number="HT-13800", amount=Decimal("1234.50"))
    make_asset(rep, hengxin, plate_number="京A13800", name="恒信车队")
    make_ticket(rep, hengxin, subject="恒信 ERP 报修")
    return org.people


@pytest.mark.parametrize("who", ["admin", "east_rep", "west_rep", "nobody"])
def test_the_groups_are_those_of_every_source_asked_alone(data: dict[str, Any], who: str) -> None:
    user = data[who]
    for query in QUERIES:
        assert global_search(user=user, query=query) == one_by_one(user, query), query


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(alphabet="恒信王东海华南 ERPcrmhx138-0", min_size=1, max_size=8))
def test_any_text_gives_the_same_groups(data: dict[str, Any], query: str) -> None:
    assert global_search(user=data["admin"], query=query) == one_by_one(data["admin"], query)


def test_every_source_is_read_in_one_query(data: dict[str, Any]) -> None:
    # every registered source gives its rows as a queryset (core.search_rows), so they are read together
    assert all(source.rows is not None for source in registry.search)
    for who in ("admin", "east_rep"):
        global_search(user=data[who], query="warm")  # the user's roles are read once, then remembered
        counts = {}
        for query in QUERIES:
            with CaptureQueriesContext(connection) as ctx:
                groups = global_search(user=data[who], query=query)
            counts[query] = len(ctx.captured_queries)
            # one query for the rows of every kind, and on SQLite every index probe in one more
            assert counts[query] <= (2 if SQLITE else 1), (who, query, [q["sql"][:80] for q in ctx.captured_queries])
            assert probes(ctx.captured_queries) <= (1 if SQLITE else 0), query
            if query == "恒信":
                assert len(groups) >= 4 and sum(len(g["hits"]) for g in groups) >= 6, groups  # many kinds, many hits
        # the same number for many hits of many kinds as for one hit of one kind
        assert counts["恒信"] == counts["13800138000"] == counts["王府井"], counts
    with CaptureQueriesContext(connection) as before:
        one_by_one(data["admin"], "恒信")
    with CaptureQueriesContext(connection) as now:
        global_search(user=data["admin"], query="恒信")
    assert len(now.captured_queries) < len(before.captured_queries)


def test_a_module_the_user_may_not_see_asks_no_index(data: dict[str, Any]) -> None:
    # "nobody" holds no role: no source may show them anything, and none reads a search index for them
    with CaptureQueriesContext(connection) as ctx:
        assert global_search(user=data["nobody"], query="13800138000") == []
    assert not [q["sql"] for q in ctx.captured_queries if " MATCH " in q["sql"] and "count(*)" not in q["sql"]]
