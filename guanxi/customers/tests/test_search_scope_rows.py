"""A rep's search finds exactly the rows of the search over every row narrowed to the rep's scope, whichever way the
scope is asked: as the array of the rep's customers (`customer_id = ANY(ARRAY(…))`, a term in many rows) or tested on
each match of the term (`EXISTS (… WHERE id = customer_id)`, a rare term: core.dbvendor.ids.ids_checked_per_row).
Over generated owners, collaborators, soft-deleted customers and contacts, for the contact list, the API and the
global search, on both databases. (A contact now keeps its customer's owner, customers.contact_owner: its scope is
that owner or the customers the rep collaborates on, whichever plan; the rows are checked all the same.)"""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.core.dbvendor import common, search_filter
from guanxi.core.dbvendor.ids import in_ids
from guanxi.core.selectors import global_search
from guanxi.customers.models import Contact, Customer
from guanxi.customers.selectors import contact_list, search_contacts
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory
from guanxi.org.policies import scope_queryset

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"
SURNAMES = "王李张刘陈"
GIVEN = "伟芳娜敏静"
# per row: every term is "rare"; array: every term is "common" (the plan's two ends, whatever the statistics say)
PLANS = {"per row": float("inf"), "array": -1.0}


@pytest.fixture
def company(org: Any) -> dict[str, Any]:
    """Customers of the rep, of other reps and of nobody, some collaborated on by the rep, some soft-deleted, with
    contacts named from a few characters (so that terms match some rows of each kind), mobiles sharing digits."""
    rng = random.Random(13)
    rep, others = org["east_rep"], [org["east_rep2"], org["west_rep"], None]
    customers = []
    for n in range(24):
        owner = rep if n % 3 == 0 else rng.choice(others)
        customer = CustomerFactory(owner=owner, name=f"{rng.choice('恒信东海华南')}{n}号有限公司")
        if n % 5 == 1:
            customer.collaborators.add(rep)
        customers.append(customer)
    for customer in rng.sample(customers, 3):
        Customer.objects.filter(pk=customer.pk).update(deleted_at=timezone.now())
    for n in range(60):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", rng.choice(GIVEN)])
        ContactFactory(customer=rng.choice(customers), name=name, mobile=f"1380013{n:04d}")
    return {"rep": rep, "admin": org["admin"]}


def expected_ids(rep: Any, term: str) -> list[int]:
    """The search over every row (no scope), narrowed to the rep's contacts, in the list's order."""
    everyone = Contact.objects.filter(search_text__contains=term)
    scoped = set(scope_queryset(rep, Contact.objects.all()).values_list("pk", flat=True))
    return [pk for pk in everyone.order_by("name_sort", "id").values_list("pk", flat=True) if pk in scoped]


def searched(rep: Any, term: str) -> tuple[list[int], str]:
    with CaptureQueriesContext(connection) as ctx:
        ids = list(contact_list(user=rep, filters={"q": term}).values_list("pk", flat=True))
    return ids, " ".join(q["sql"] for q in ctx.captured_queries)


@pytest.mark.parametrize("plan", PLANS)
def test_the_reps_contacts_searched_are_the_search_of_all_narrowed_to_his_scope(
    company: dict[str, Any], plan: str, monkeypatch: Any
) -> None:
    # given the per-row threshold set so that every term takes this plan
    monkeypatch.setattr(common, "PG_PER_ROW_SCOPE_MAX", PLANS[plan])
    rep = company["rep"]
    for term in ["王", "伟", "王伟", "li", "wf", "1380013", "13800130007", "恒信", "zz"]:
        # when the rep searches his contacts
        ids, sql = searched(rep, term)
        # then he gets the search over every contact narrowed to his own, in the list's order
        assert ids == expected_ids(rep, term), term
        if POSTGRESQL:  # and, either plan, his scope is the owner the contact keeps (customers.contact_owner) and the
            # customers he collaborates on: never the ids of all his customers
            assert '"customers_contact"."owner_id" = ' in sql and 'FROM "customers_customer"' not in sql, sql


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    query=st.text(alphabet=SURNAMES + GIVEN + "wljzc138 ", min_size=1, max_size=6),
    plan=st.sampled_from(sorted(PLANS)),
)
def test_any_query_gives_the_same_rows_both_ways(company: dict[str, Any], query: str, plan: str) -> None:
    # given either plan and any query (several terms included), when the rep searches his contacts
    rep = company["rep"]
    saved = common.PG_PER_ROW_SCOPE_MAX
    common.PG_PER_ROW_SCOPE_MAX = PLANS[plan]
    try:
        ids = list(contact_list(user=rep, filters={"q": query}).values_list("pk", flat=True))
        hits = list(search_contacts(user=rep, query=query, limit=50).values_list("pk", flat=True))
    finally:
        common.PG_PER_ROW_SCOPE_MAX = saved
    # then the rows are the same as the array's (the plan before this one), for the list and the global search
    baseline = common.PG_PER_ROW_SCOPE_MAX
    common.PG_PER_ROW_SCOPE_MAX = PLANS["array"]
    try:
        assert ids == list(contact_list(user=rep, filters={"q": query}).values_list("pk", flat=True))
        assert hits == list(search_contacts(user=rep, query=query, limit=50).values_list("pk", flat=True))
    finally:
        common.PG_PER_ROW_SCOPE_MAX = baseline


def test_the_api_list_and_the_global_search_of_a_rare_term(company: dict[str, Any]) -> None:
    # given a mobile number of one of the rep's contacts (one match among all contacts)
    rep = company["rep"]
    contact = scope_queryset(rep, Contact.objects.all()).order_by("id").first()
    assert contact is not None
    client = Client()
    client.force_login(rep)
    # when the rep searches for it in the contacts API and in the global search
    body = client.get("/api/v1/contacts", {"q": contact.mobile, "limit": 10}).json()
    groups = {g["key"]: g["hits"] for g in global_search(user=rep, query=contact.mobile)}
    # then both find that contact, as the search over every contact narrowed to his does
    assert [item["id"] for item in body["items"]] == expected_ids(rep, contact.mobile) == [contact.pk]
    assert [hit["url"].rsplit("#contact-", 1)[-1] for hit in groups["contacts"]] == [str(contact.pk)]
    # and another rep's contact is not found by its number
    foreign = Contact.objects.exclude(pk__in=scope_queryset(rep, Contact.objects.all()).values("pk")).first()
    assert foreign is not None
    assert client.get("/api/v1/contacts", {"q": foreign.mobile}).json()["count"] == 0


# own rows: every piece read from the token index beside the owner index; walk: every piece left to the LIKE
OWN_ROWS_PLANS = {"own rows with the token index": 2.0, "walk": 0.0}


def expected_customer_ids(rep: Any, term: str) -> list[int]:
    """The customers' search over every row, narrowed to the rep's, in the list's order (latest change first)."""
    everyone = Customer.objects.filter(search_text__contains=term).order_by("-updated_at", "-id")
    scoped = set(scope_queryset(rep, Customer.objects.all()).values_list("pk", flat=True))
    return [pk for pk in everyone.values_list("pk", flat=True) if pk in scoped]


@pytest.mark.parametrize("plan", OWN_ROWS_PLANS)
def test_the_reps_customers_searched_either_way_are_the_search_of_all_narrowed(
    company: dict[str, Any], plan: str, monkeypatch: Any
) -> None:
    # given the share above which a rep's piece is walked set so that every piece takes this plan
    monkeypatch.setattr(common, "PG_OWN_ROWS_COMMON_SHARE", OWN_ROWS_PLANS[plan])
    rep = company["rep"]
    client = Client()
    client.force_login(rep)
    for term in ["恒", "有限", "东海", "号", "1号", "南", "zz"]:
        # when the rep searches his customers in the list, the API and the global search
        with CaptureQueriesContext(connection) as ctx:
            body = client.get("/api/v1/customers", {"q": term, "limit": 5}).json()
        listed = list(customer_list_ids(rep, term))
        expected = expected_customer_ids(rep, term)
        # then each gives the search over every customer narrowed to his, in order (the API its first page)
        assert listed == expected, term
        assert body["count"] == len(expected) and [i["id"] for i in body["items"]] == expected[:5], term
        hits = {g["key"]: g["hits"] for g in global_search(user=rep, query=term)}.get("customers", [])
        assert len(hits) == min(8, len(expected)), term
        if POSTGRESQL and len(term) <= 2 and term != "zz":  # and a short piece is read the plan's way
            tokens = any("gx_search_tokens(" in q["sql"] for q in ctx.captured_queries)
            assert tokens is (plan != "walk"), term


def customer_list_ids(rep: Any, term: str) -> list[int]:
    from guanxi.customers.selectors import customer_list

    return list(customer_list(user=rep, filters={"q": term}).values_list("pk", flat=True))


@pytest.mark.parametrize("plan", PLANS)
def test_a_search_narrowed_by_ids_reads_the_same_rows_either_way(
    company: dict[str, Any], plan: str, monkeypatch: Any
) -> None:
    # given contacts narrowed by the ids of the rep's customers (dbvendor.ids.in_ids: how a scope through a parent is
    # written, tickets and assets by their customer), and the threshold set so that every term takes this plan
    monkeypatch.setattr(common, "PG_PER_ROW_SCOPE_MAX", PLANS[plan])
    rep = company["rep"]
    his = Customer._base_manager.filter(owner=rep).values("pk")
    allowed = set(Contact.objects.filter(customer_id__in=his).values_list("pk", flat=True))
    for term in ["王", "伟", "王伟", "li", "1380013", "13800130007", "zz"]:
        # when they are searched
        qs = search_filter(Contact.objects.filter(in_ids("customer_id", his)), "search_text", [term])
        with CaptureQueriesContext(connection) as ctx:
            found = list(qs.order_by("name_sort", "id").values_list("pk", flat=True))
        # then the rows are LIKE's among those ids, in order
        like = Contact.objects.filter(search_text__contains=term).order_by("name_sort", "id")
        assert found == [pk for pk in like.values_list("pk", flat=True) if pk in allowed], term
        if POSTGRESQL:  # and the ids are tested on each match, or read as an array, as the plan says
            sql = " ".join(q["sql"] for q in ctx.captured_queries)
            assert ("EXISTS (SELECT 1 FROM" in sql) is (plan == "per row"), sql
