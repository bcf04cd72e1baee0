"""Every sortable column of the opportunity and lead lists held in their own table (page and API) reads its rows
in order from an index, on SQLite and PostgreSQL (the stage and customer columns sort by a joined name)."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from guanxi.org.lists.engine import resolve
from guanxi.org.lists.registry import definition
from guanxi.org.lists.testing import assert_sorted_by_index
from guanxi.sales.leads import selectors as lead_selectors
from guanxi.sales.opportunities import selectors

pytestmark = pytest.mark.django_db

OPPORTUNITY_SORTS = {
    "name": "opportunity_name_pinyin_idx",
    "amount": "opportunity_amount_sort_idx",
    "created": "opportunity_created_sort_idx",
    "updated": "opportunity_updated_sort_idx",
}
LEAD_SORTS = {
    "created": "lead_created_sort_idx",
    "assigned": "lead_assigned_sort_idx",
    "updated": "lead_updated_sort_idx",
}


def _page(key: str, user, sort: str):
    return resolve(definition(key), user=user, query=QueryDict(f"sort={sort}")).qs[:20]


@pytest.mark.parametrize("direction", ["", "-"])
@pytest.mark.parametrize(("sort", "index"), OPPORTUNITY_SORTS.items())
def test_the_opportunity_list_sorts_from_an_index(org, sort, index, direction):
    assert_sorted_by_index(_page("opportunities", org["admin"], direction + sort), index)
    if sort != "updated":  # the API offers name, amount, close, stage and created
        api = selectors.opportunity_list(user=org["admin"], filters={"sort": direction + sort})[:20]
        assert_sorted_by_index(api, index)


@pytest.mark.parametrize("direction", ["", "-"])
@pytest.mark.parametrize(("sort", "index"), LEAD_SORTS.items())
def test_the_lead_list_sorts_from_an_index(org, sort, index, direction):
    assert_sorted_by_index(_page("leads", org["admin"], direction + sort), index)
    api = lead_selectors.lead_list(user=org["admin"], filters={"sort": direction + sort, "queue": "all"})[:20]
    assert_sorted_by_index(api, index)
