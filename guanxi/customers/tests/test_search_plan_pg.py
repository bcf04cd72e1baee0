"""Which plan a short-term search takes on PostgreSQL (core.dbvendor.common): decided by the estimated number of
matches against the table's rows — the token index for a few matches, the walk in the page's order (LIKE) for many —
and, for a table never analysed (autovacuum off, or not yet reached), from a small sample instead of trusting the
missing statistics. The plan never changes the rows: they are LIKE's, whichever plan is taken."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guanxi.core.dbvendor import common, search_filter
from guanxi.core.dbvendor.common import TokenStats, pg_walk_is_cheaper
from guanxi.customers.models import Customer
from guanxi.customers.tests.factories import CustomerFactory

POSTGRESQL = connection.vendor == "postgresql"
TOKEN_INDEX = "customers_customer_search_text_tok"


@pytest.mark.parametrize(
    ("matches", "rows", "walk"),
    [
        (0, 300_000, False),  # nothing matches: the index answers at once
        (218, 300_000, False),  # a given name (王伟)
        (2_598, 300_000, False),  # a character in under 1 % of the rows
        (23_628, 300_000, True),  # a surname in 8 %: the count stops at the cap after 127,000 rows
        (192_549, 300_000, True),  # 13, in most mobiles
        (10_000, 2_000_000, False),  # 0.5 % of a large table: a walking count would read all 2,000,000
        (40_000, 2_000_000, True),  # 2 %: the count stops after 500,000 rows, against 40,000 matches read twice
        (25, 25, False),  # fewer matches than a page holds: always the index
        (60, 60, True),  # in every row of a small table
    ],
)
def test_the_plan_follows_the_number_of_matches_not_a_fixed_share(matches: int, rows: int, walk: bool) -> None:
    assert pg_walk_is_cheaper(matches, rows) is walk


pg = pytest.mark.skipif(not POSTGRESQL, reason="the token index's statistics are PostgreSQL's")


@pytest.fixture
def fresh_caches(monkeypatch: Any) -> Iterator[None]:
    monkeypatch.setattr(common, "PG_WALK_MIN_MATCHES", 1)  # a few dozen rows stand for many
    common._PG_STATS.clear()
    common._PG_SAMPLES.clear()
    yield
    common._PG_STATS.clear()  # what was read belongs to the test's transaction
    common._PG_SAMPLES.clear()


@pytest.fixture
def customers(org: Any, fresh_caches: None) -> list[Customer]:
    """40 customers, all with 有限 in their names, one with 恒信, 海 in four."""
    admin = org["admin"]
    names = ["北京恒信科技有限公司", *(f"上海东海{n}号有限公司" for n in range(3))]
    names += [f"测试{n}号有限公司" for n in range(40 - len(names))]
    return [CustomerFactory(owner=admin, name=name) for name in names]


def token_index_has_statistics() -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_stats WHERE schemaname = current_schema() AND tablename = %s", [TOKEN_INDEX])
        return cur.fetchone() is not None


def search_sql(term: str) -> tuple[list[int], str]:
    qs = search_filter(Customer.objects.order_by("id"), "search_text", [term])
    with CaptureQueriesContext(connection) as ctx:
        ids = list(qs.values_list("id", flat=True))
    return ids, " ".join(q["sql"] for q in ctx.captured_queries)


def like_ids(term: str) -> list[int]:
    return list(Customer.objects.filter(search_text__contains=term).order_by("id").values_list("id", flat=True))


@pg
@pytest.mark.django_db
def test_without_statistics_a_common_term_is_sampled_and_walks(customers: list[Customer]) -> None:
    # given a table never analysed (no statistics for its token index)
    assert not token_index_has_statistics()
    # then a piece in every row is seen as common from a sample, not taken for rare for want of statistics
    assert common.search_term_is_common(Customer, "search_text", "有限")
    assert not common.search_term_is_common(Customer, "search_text", "恒信")
    # and the search for it never asks the token index (no gx_search_tokens at all), with LIKE's rows
    ids, sql = search_sql("有限")
    assert "gx_search_tokens(" not in sql, sql
    assert ids == like_ids("有限") and len(ids) == len(customers)
    # while a rare piece still reads the index, in the query's own WHERE (no subquery joined back by id), with
    # LIKE's rows
    ids, sql = search_sql("恒信")
    assert sql.count('gx_search_tokens("customers_customer"."search_text") @> ') == 1 and " IN (" not in sql, sql
    assert ids == like_ids("恒信") == [customers[0].pk]
    # and each sample is remembered, per table and piece
    db = (connection.alias, str(connection.settings_dict["NAME"]))
    assert {key[2:] for key in common._PG_SAMPLES if key[:2] == db} == {
        ("customers_customer.search_text", "有限"),
        ("customers_customer.search_text", "恒信"),
    }


@pg
@pytest.mark.django_db
def test_a_list_searched_without_statistics_stops_after_its_first_page(customers: list[Customer]) -> None:
    assert not token_index_has_statistics()
    client = Client()
    client.force_login(customers[0].owner)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/api/v1/customers", {"q": "有限", "limit": 10}).json()
    sqls = [q["sql"] for q in ctx.captured_queries if '"customers_customer"' in q["sql"] and "LIKE" in q["sql"]]
    assert sqls and not any("gx_search_tokens(" in sql for sql in sqls)
    assert body["count"] == len(customers)
    expected = Customer.objects.filter(search_text__contains="有限").order_by("-updated_at", "-id")[:10]
    assert [item["id"] for item in body["items"]] == [c.pk for c in expected]


@pg
@pytest.mark.django_db
def test_with_statistics_the_plan_follows_the_estimated_matches(customers: list[Customer]) -> None:
    # given statistics that put 王 in 8 % and 伟 in 0.9 % of 300,000 rows (as read from pg_stats)
    key = (connection.alias, str(connection.settings_dict["NAME"]), TOKEN_INDEX)
    common._PG_STATS[key] = (time.monotonic(), TokenStats(rows=300_000, shares={"王": 0.079, "伟": 0.0087}))
    # then the surname walks the page's order and the rarer character reads the index; no sample is taken
    assert common.pg_common_pieces(connection, Customer, "search_text", ["王", "伟", "恒"]) == {"王"}
    assert not common._PG_SAMPLES
    # and the same share decides differently by the table's size: 2 % of 300,000 rows (6,000 matches) is read from
    # the index, 2 % of 2,000,000 (40,000) is walked
    common._PG_STATS[key] = (time.monotonic(), TokenStats(rows=300_000, shares={"李": 0.02}))
    assert common.pg_common_pieces(connection, Customer, "search_text", ["李"]) == set()
    common._PG_STATS[key] = (time.monotonic(), TokenStats(rows=2_000_000, shares={"李": 0.02}))
    assert common.pg_common_pieces(connection, Customer, "search_text", ["李"]) == {"李"}


@pg
@pytest.mark.django_db
def test_after_analyze_the_statistics_decide_without_a_sample(customers: list[Customer]) -> None:
    with connection.cursor() as cur:
        cur.execute("ANALYZE customers_customer")
    assert token_index_has_statistics()
    assert common.search_term_is_common(Customer, "search_text", "有限")
    assert not common.search_term_is_common(Customer, "search_text", "海")  # in 3 of 40: the index
    assert not common._PG_SAMPLES
    for term in ("有限", "海", "恒信", "号"):
        assert search_sql(term)[0] == like_ids(term)
