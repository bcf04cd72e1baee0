"""A customer's pool countdown ("will return to the pool on 2026-12-30 unless followed up"): one batched function
in customers.pool, shown on the customer 360 page and on the rep's day (customers returning within a week)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.customers.models import Customer
from guanxi.customers.pool import selectors, services
from guanxi.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 12, 5, 10, 0, tzinfo=SHANGHAI)
DAY = dt.timedelta(days=1)


def test_countdown_names_the_day_of_the_return(org):
    # given a customer last contacted 35 days ago under the default rule (returns after 60 days)
    c = CustomerFactory(owner=org["east_rep"], last_contact_at=NOW - 35 * DAY)
    status = selectors.customer_pool_status(c, now=NOW)
    # then it returns on the day 60 days after that contact, 25 days from now
    assert status.returns_on == dt.date(2026, 12, 30) and status.days_left == 25
    assert status.countdown == "Will return to the pool on 2026-12-30 unless followed up"
    assert status.urgency == "warning"
    # one due at the next check says so, in red
    late = selectors.customer_pool_status(
        CustomerFactory(owner=org["east_rep"], last_contact_at=NOW - 70 * DAY), now=NOW
    )
    assert late.days_left == 0 and "next check" in late.countdown and late.urgency == "danger"
    # a won customer is not watched: no countdown
    won = CustomerFactory(owner=org["east_rep"], last_contact_at=NOW - 35 * DAY, status=Customer.Status.WON)
    assert selectors.customer_pool_status(won, now=NOW).countdown == ""


def test_returning_soon_lists_the_reps_own_customers_soonest_first(org, django_assert_max_num_queries):
    # given customers of east_rep returning in 2, 6 and 25 days, one of another rep returning in 1 day
    services.pool_rules_ensure_default()
    in_six = CustomerFactory(owner=org["east_rep"], name="六天", last_contact_at=NOW - 54 * DAY)
    in_two = CustomerFactory(owner=org["east_rep"], name="两天", last_contact_at=NOW - 58 * DAY)
    CustomerFactory(owner=org["east_rep"], name="远", last_contact_at=NOW - 35 * DAY)
    CustomerFactory(owner=org["east_rep2"], name="别人的", last_contact_at=NOW - 59 * DAY)
    # when the rep's day asks who returns within a week, in a fixed number of queries
    with django_assert_max_num_queries(8):
        rows = selectors.customers_returning_soon(user=org["east_rep"], now=NOW)
    # then their two customers, soonest first, each with its countdown
    assert [(c.pk, st.days_left) for c, st in rows] == [(in_two.pk, 2), (in_six.pk, 6)]


def test_customer_page_and_my_day_show_the_countdown(org):
    services.pool_rules_ensure_default()
    now = timezone.now()
    soon = CustomerFactory(owner=org["east_rep"], name="快回公海", last_contact_at=now - 57 * DAY)
    web = Client()
    web.force_login(org["east_rep"])
    # the 360 page names the day it returns
    page = web.get(f"/customers/{soon.pk}/").content.decode()
    returns_on = timezone.localdate(soon.last_contact_at + 60 * DAY).isoformat()
    assert 'id="pool-countdown"' in page and f"Will return to the pool on {returns_on} unless followed up" in page
    # my day lists it among the customers returning within a week, linking to its follow-up composer
    day = web.get("/customers/my-day/").content.decode()
    assert 'id="returning-soon"' in day and "快回公海" in day and f"/customers/{soon.pk}/#composer" in day


def _list_queries(web) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = web.get("/customers/", {"scene": "mine"})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_customer_list_has_a_pool_countdown_column_without_a_query_per_row(org):
    services.pool_rules_ensure_default()
    now = timezone.now()
    soon = CustomerFactory(owner=org["east_rep"], name="列表回公海", last_contact_at=now - 50 * DAY)
    web = Client()
    web.force_login(org["east_rep"])
    page = web.get("/customers/", {"scene": "mine"}).content.decode()
    returns_on = timezone.localdate(soon.last_contact_at + 60 * DAY).isoformat()
    row = page.split(f'data-gx-id="{soon.pk}"', 1)[1].split("</tr>", 1)[0]
    assert returns_on in row and "gx-pool-countdown" in row
    # the page costs the same queries with 1 or 12 customers
    few = _list_queries(web)
    for i in range(11):
        CustomerFactory(owner=org["east_rep"], name=f"列表客户{i}", last_contact_at=now - i * DAY)
    assert _list_queries(web) == few
