"""Every sortable column of the customer and contact lists (page and API) reads its rows in order from an index,
on SQLite and PostgreSQL: no list sorts by scanning (docs/lists.md)."""

from __future__ import annotations

import re

import pytest
from django.http import QueryDict

from guanxi.core.dbvendor.ids import split_parts
from guanxi.customers import selectors
from guanxi.customers.models import Contact
from guanxi.customers.tests.factories import ContactFactory
from guanxi.org.lists.engine import resolve
from guanxi.org.lists.registry import definition
from guanxi.org.lists.testing import assert_sorted_by_index, query_plan
from guanxi.org.policies import scope_queryset

pytestmark = pytest.mark.django_db

CUSTOMER_SORTS = {
    "name": "customer_name_pinyin_idx",
    "updated": "customer_updated_sort_idx",
}
CONTACT_SORTS = {"name": "contact_name_pinyin_idx", "updated": "contact_updated_sort_idx"}


def _page(key: str, user, sort: str):
    return resolve(definition(key), user=user, query=QueryDict(f"sort={sort}")).qs[:20]


@pytest.mark.parametrize("direction", ["", "-"])
@pytest.mark.parametrize(("sort", "index"), CUSTOMER_SORTS.items())
def test_the_customer_list_sorts_from_an_index(org, sort, index, direction):
    assert_sorted_by_index(_page("customers", org["admin"], direction + sort), index)
    api = selectors.customer_list(user=org["admin"], filters={"sort": direction + sort})[:20]
    assert_sorted_by_index(api, index)


@pytest.mark.parametrize("direction", ["", "-"])
@pytest.mark.parametrize(("sort", "index"), CONTACT_SORTS.items())
def test_the_contact_list_sorts_from_an_index(org, sort, index, direction):
    assert_sorted_by_index(_page("contacts", org["admin"], direction + sort), index)
    api = selectors.contact_list(user=org["admin"], filters={"sort": direction + sort})[:20]
    assert_sorted_by_index(api, index)
    assert_sorted_by_index(selectors.contact_list(user=org["admin"])[:20], CONTACT_SORTS["name"])


def test_a_reps_contacts_are_found_through_the_owner_index_not_a_scan(org):
    rep = org["east_rep"]
    ContactFactory(customer__owner=rep)
    # a list reads the rep's contacts part by part (their own, then those of customers they collaborate on): their own
    # through the owner the contact keeps (customers.contact_owner) in an index led by it; neither part scans
    own, collaborating = split_parts(scope_queryset(rep, Contact.objects.all()))
    plan = query_plan(own)
    assert re.search(r"INDEX \w+ \(owner_id=\?|Index Cond: \((\w+\.)?owner_id = ", plan), plan
    for part in (own, collaborating):
        plan = query_plan(part)
        assert "SCAN customers_contact" not in plan and "Seq Scan on customers_contact" not in plan, plan
