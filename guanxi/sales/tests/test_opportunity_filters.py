"""One list of deals: the page, the API and the export read their filters through OpportunityFilter and
selectors.opportunity_list, so the same query finds the same deals everywhere."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict

from guanxi.core.errors import ValidationFailed
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.opportunities import selectors, services
from guanxi.sales.opportunities.filters import valid_filters

pytestmark = pytest.mark.django_db


def _deals(org):
    customer = CustomerFactory(owner=org["east_rep"], name="华东客户")
    rep = org["east_rep"]
    return [
        services.opportunity_create(
            actor=rep,
            customer=customer,
            data={"name": name, "amount": amount, "expected_close_date": day},
        )
        for name, amount, day in [
            ("一期", "100", dt.date(2027, 1, 10)),
            ("二期", "5000", dt.date(2027, 2, 10)),
            ("三期", "90000", dt.date(2027, 3, 10)),
        ]
    ]


def test_the_page_and_the_api_names_of_the_signing_date_find_the_same_deals(org):
    # given three deals closing in January, February and March
    first, second, third = _deals(org)
    rep = org["east_rep"]
    # when the page's names and the API's names ask for February onwards
    page = selectors.opportunity_list(user=rep, filters=QueryDict("close_from=2027-02-01"))
    api = selectors.opportunity_list(user=rep, filters={"expected_from": dt.date(2027, 2, 1)})
    # then both find the same two deals, newest first
    assert list(page) == list(api) == [third, second]


def test_search_amounts_and_sort_narrow_the_one_list(org):
    # given three deals of one customer
    first, second, third = _deals(org)
    rep = org["east_rep"]
    # when searching by the customer's name with an amount range, sorted by amount
    found = selectors.opportunity_list(user=rep, filters={"q": " 华东 ", "amount_min": "200", "sort": "amount"})
    # then the deals within the range come cheapest first
    assert list(found) == [second, third]


def test_a_bad_value_is_a_field_error_for_the_api_and_left_out_by_the_page(org):
    # given deals and a query with one unreadable owner id
    _deals(org)
    rep = org["east_rep"]
    query = QueryDict("owner=abc&status=open&amount_max=lots")
    # when the API-style read gets it, then it is a 400 naming the fields
    with pytest.raises(ValidationFailed) as refused:
        selectors.opportunity_list(user=rep, filters=query)
    assert set(refused.value.fields) == {"owner", "amount_max"}
    # when a page checks it first, then the bad values are left out (and named) and the rest still filters
    params, errors = valid_filters(query)
    assert errors == {"owner": ["Invalid selection."], "amount_max": ["Enter a number."]}
    assert selectors.opportunity_list(user=rep, filters=params).count() == 3
