"""A term in almost every name (有限, 公司) stops after the first page, on either database: the global search and the
lists (API and page) read the rows in their order with a LIMIT and count at most core.paging's cap, never every
match; on PostgreSQL the token index function is not run row by row for such a term (about a millisecond a row:
the 200-user load run's 30-second searches). The rows stay exactly LIKE's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guanxi.core import dbvendor
from guanxi.core.dbvendor import common
from guanxi.core.paging import COUNT_CAP
from guanxi.core.selectors import global_search
from guanxi.customers.models import Customer
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.models import Opportunity
from guanxi.sales.opportunities import services

pytestmark = pytest.mark.django_db

SQLITE = connection.vendor == "sqlite"
SEARCHED = ("customers_customer", "customers_contact", "sales_opportunity", "sales_lead")
NAMES = [
    "北京恒信科技有限公司",
    "上海东海贸易有限公司",
    "深圳前海数据有限公司",
    "广州南方物流有限公司",
    "杭州西湖软件有限公司",
]  # noqa: E501


@pytest.fixture
def company(org: Any, monkeypatch: Any) -> Iterator[dict[str, Any]]:
    """25 customers whose names all hold 有限, a deal each; 有限 is common to the search indexes of both databases."""
    admin = org["admin"]
    customers = [CustomerFactory(owner=admin, name=name) for name in NAMES]
    # and twenty more, so that a brand (恒信) is in a small share of the names and 有限 still in all
    customers += [CustomerFactory(owner=admin, name=f"测试{n}号有限公司") for n in range(20)]
    deals = [
        services.opportunity_create(actor=admin, customer=c, data={"name": f"{c.name[2:4]}项目"}) for c in customers
    ]
    # SQLite: the FTS probes call a match common past one row; PostgreSQL: the planner's statistics, fresh
    monkeypatch.setattr(dbvendor, "FTS_COMMON_MIN_ROWS", 1)
    monkeypatch.setattr(dbvendor, "TOKEN_COMMON_DIVISOR", 10**9)
    monkeypatch.setattr(dbvendor, "FTS_COMMON_DIVISOR", 10**9)
    monkeypatch.setattr(common, "PG_WALK_MIN_MATCHES", 1)
    if not SQLITE:
        with connection.cursor() as cur:
            cur.execute("ANALYZE customers_customer")
            cur.execute("ANALYZE sales_opportunity")
    common._PG_STATS.clear()
    yield {"admin": admin, "customers": customers, "deals": deals}
    common._PG_STATS.clear()  # the statistics go with the test's transaction


def searched_sql(queries: list[dict[str, str]]) -> list[str]:
    return [q["sql"] for q in queries if any(f'"{t}"' in q["sql"] for t in SEARCHED) and "LIKE" in q["sql"].upper()]


def assert_stops_after_the_first_page(sqls: list[str]) -> None:
    assert sqls, "no search query was captured"
    for sql in sqls:
        assert " LIMIT " in sql.upper(), sql
        # a count reads at most the cap's rows (core.paging.capped_count): COUNT(*) FROM (… LIMIT cap + 1)
        if "COUNT(" in sql.upper():
            assert re.search(rf"LIMIT {COUNT_CAP + 1}\b", sql), sql
        # PostgreSQL: the token function never asked of the tables where the term is common (their LIKE walks)
        for table in ("customers_customer", "sales_opportunity"):
            assert f'gx_search_tokens("{table}".' not in sql, sql


def test_the_token_index_statistics_say_the_term_is_common(company: dict[str, Any]) -> None:
    # then 有限 (in every name) is common and 恒信 (in one) is not, on either database
    assert common.search_term_is_common(Customer, "search_text", "有限")
    assert not common.search_term_is_common(Customer, "search_text", "恒信")
    assert common.search_term_is_common(Opportunity, "search_text", "项目")


def test_the_global_search_for_a_common_term_reads_one_page_per_source(company: dict[str, Any]) -> None:
    # when the admin searches everything for 有限
    with CaptureQueriesContext(connection) as ctx:
        groups = {g["key"]: g for g in global_search(user=company["admin"], query="有限", limit=3)}
    # then every source's query has a LIMIT and none counts
    sqls = searched_sql(ctx.captured_queries)
    assert_stops_after_the_first_page(sqls)
    assert not any("COUNT(" in sql.upper() for sql in sqls)
    # and the hits are LIKE's first rows in each source's order
    newest = Customer.objects.filter(search_text__contains="有限").order_by("-updated_at", "-id")[:3]
    assert [h["title"] for h in groups["customers"]["hits"]] == [c.name for c in newest]
    deals = Opportunity.objects.filter(customer__search_text__contains="有限").order_by("-created_at", "-id")[:3]
    assert [h["title"] for h in groups["opportunities"]["hits"]] == [d.name for d in deals]


@pytest.mark.parametrize("path", ["/api/v1/customers", "/api/v1/opportunities", "/customers/", "/sales/opportunities/"])
def test_a_list_searched_for_a_common_term_counts_at_most_the_cap(company: dict[str, Any], path: str) -> None:
    client = Client()
    client.force_login(company["admin"])
    # when the list (API or page) is searched for 有限
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, {"q": "有限", "limit": 50})
    # then it answers with every row, through one capped count and a LIMITed page
    assert response.status_code == 200
    assert_stops_after_the_first_page(searched_sql(ctx.captured_queries))
    if path.startswith("/api/"):
        body = response.json()
        expected = company["customers"] if "customers" in path else company["deals"]
        assert body["count"] == len(expected)
        assert {item["id"] for item in body["items"]} == {row.pk for row in expected}


def test_a_rare_term_still_goes_through_the_token_index(company: dict[str, Any]) -> None:
    client = Client()
    client.force_login(company["admin"])
    # when the deals are searched for a brand only one customer has
    with CaptureQueriesContext(connection) as ctx:
        items = client.get("/api/v1/opportunities", {"q": "恒信"}).json()["items"]
    # then only its deal is found, through the token index
    assert [i["id"] for i in items] == [company["deals"][0].pk]
    sql = " ".join(searched_sql(ctx.captured_queries))
    assert ("gx_search_tokens(" in sql) if not SQLITE else ("_search_text_tok" in sql)
