"""Lists count at most COUNT_CAP rows (issue 13: at a million customers the exact COUNT was the list's cost): past
the cap the list page says "N+" and pages on by next/previous, the API answers `count_is_exact: false`; the rows are
the same as with an exact count. The cap is lowered to 5 here so that a few customers pass it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guanxi.core import paging
from guanxi.customers.models import Customer
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.lists.testing import row_ids
from guanxi.org.services import api_token_create

pytestmark = pytest.mark.django_db

CAP = 5
LIST = "/customers/"


@pytest.fixture
def capped(monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", CAP)


@pytest.fixture
def many(org):
    return [CustomerFactory(owner=org["east_rep"], name=f"客户{i:02}") for i in range(25)]


def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user) -> Client:
    _token, secret = api_token_create(actor=user, name="cap")
    return Client(headers={"Authorization": f"Bearer {secret}"})


# --- the counting itself --------------------------------------------------------------------------------------------
def test_capped_count_is_exact_up_to_the_cap_and_reads_at_most_one_row_more(org, capped):
    # given exactly the cap's number of customers, then one more
    for i in range(CAP):
        CustomerFactory(owner=org["east_rep"], name=f"甲{i}")
    assert paging.capped_count(Customer.objects.all()) == (CAP, True)
    CustomerFactory(owner=org["east_rep"], name="乙")
    # when counted past the cap
    with CaptureQueriesContext(connection) as ctx:
        counted = paging.capped_count(Customer.objects.order_by("name"))
    # then the count stops at the cap, in one query LIMITed to cap + 1 rows (no ORDER BY)
    assert counted == (CAP, False)
    (query,) = ctx.captured_queries
    assert f"LIMIT {CAP + 1}" in query["sql"] and "ORDER BY" not in query["sql"]
    assert paging.capped_count(list(range(CAP + 3))) == (CAP + 3, True)


# --- the list page --------------------------------------------------------------------------------------------------
def test_list_page_past_the_cap_says_plus_and_pages_through_the_same_rows(org, many, capped):
    client = web(org["east_rep"])
    # when the rep's 25 customers are listed 20 a page with a cap of 5
    first = client.get(LIST, {"per_page": 20, "sort": "name"})
    # then the total says "5+", the page has 20 rows and a next page
    page = first.context["page"]
    assert page.paginator.count_is_exact is False and page.has_next() and not page.has_previous()
    html = first.content.decode()
    assert "5+ total" in html and "1–20 of 5+" in html
    assert [count for s, count, exact in first.context["scene_counts"] if not exact]  # the tabs are capped too
    # and the next page holds the rest, with no page after it
    second = client.get(LIST, {"per_page": 20, "sort": "name", "page": 2})
    assert len(row_ids(second)) == 5 and not second.context["page"].has_next()
    assert "21–25 of 5+" in second.content.decode()
    # the same rows, in the same order, as an exact count gives
    expected = list(
        Customer.objects.filter(owner=org["east_rep"]).order_by("name_sort", "id").values_list("pk", flat=True)
    )
    assert row_ids(first) + row_ids(second) == expected


def test_a_page_asked_for_past_the_last_row_counts_them_all_and_shows_the_last_page(org, many, capped):
    # when the rep jumps to page 9 of 20 rows (there are two)
    response = web(org["east_rep"]).get(LIST, {"per_page": 20, "sort": "name", "page": 9})
    # then the exact count finds the last page, noted as before
    page = response.context["page"]
    assert page.number == 2 and page.paginator.count == 25 and page.paginator.count_is_exact
    assert "There is no page 9; showing page 2." in response.content.decode()


def test_under_the_cap_the_list_counts_exactly(org, capped):
    for i in range(3):
        CustomerFactory(owner=org["east_rep"], name=f"丙{i}")
    response = web(org["east_rep"]).get(LIST)
    assert response.context["page"].paginator.count_is_exact and "3 total" in response.content.decode()
    assert "+ total" not in response.content.decode()


# --- the API --------------------------------------------------------------------------------------------------------
def test_api_count_past_the_cap_is_marked_inexact_and_offsets_still_page(org, many, capped):
    client = api(org["east_rep"])
    # when the rep asks for pages of 10
    pages = [
        client.get("/api/v1/customers", {"limit": 10, "offset": o, "sort": "name"}).json() for o in (0, 10, 20, 30)
    ]
    # then each says the count is the cap and not exact, and the pages hold the 25 rows once each, in order
    assert {(p["count"], p["count_is_exact"]) for p in pages} == {(CAP, False)}
    ids = [c["id"] for p in pages for c in p["items"]]
    assert [len(p["items"]) for p in pages] == [10, 10, 5, 0]
    assert ids == list(
        Customer.objects.filter(owner=org["east_rep"]).order_by("name_sort", "id").values_list("pk", flat=True)
    )


def test_api_count_under_the_cap_is_exact(org, capped):
    CustomerFactory(owner=org["east_rep"])
    body = api(org["east_rep"]).get("/api/v1/customers").json()
    assert body["count"] == 1 and body["count_is_exact"] is True
