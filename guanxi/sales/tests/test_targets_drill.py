"""Each actual on the targets page links to the list of the records behind it, for a person and for a department
(its people with a figure): the list's count is the actual (drill-down, issue 16)."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.utils import timezone

from guanxi.customers.models import Customer
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.lists.registry import rows_behind
from guanxi.sales.models import SalesTarget

from .test_analytics_funnel import at, grant_opportunity_permissions, make_opportunity, make_pipeline

pytestmark = pytest.mark.django_db


def _actuals(client: Any, metric: str) -> list[tuple[str, int]]:
    page = client.get(f"/sales/targets/?period=month&start=2026-03-01&metric={metric}").content.decode()
    return [(unescape(u), int(n)) for u, n in re.findall(r'<a href="([^"]+)" class="gx-actual">(\d+)</a>', page)]


def test_each_actual_equals_the_count_of_its_list(client: Any, org: Any) -> None:
    grant_opportunity_permissions()
    s = make_pipeline()
    for rep, n in ((org["east_rep"], 3), (org["east_rep2"], 2), (org["team_rep"], 1), (org["west_rep"], 4)):
        for i in range(n):
            make_opportunity(rep, s["pipeline"], [(s["A"], at(3 + i))], 100)
    Customer.objects.filter(pk__in=[CustomerFactory(owner=org["east_rep2"]).pk for _ in range(2)]).update(
        created_at=at(5)
    )
    Customer.objects.exclude(created_at=at(5)).update(created_at=timezone.now())  # the deals' customers: not March
    for metric in ("new_opportunities", "new_customers"):
        SalesTarget.objects.create(
            department=org.east, period_kind="month", period_start=at(1).date(), metric=metric, value=Decimal(9)
        )
    manager = org["east_manager"]
    client.force_login(manager)

    opportunities = _actuals(client, "new_opportunities")
    customers = _actuals(client, "new_customers")

    assert sorted(n for _u, n in opportunities) == [1, 2, 3, 6]  # three people and 华东 (its sub-tree: 3 + 2 + 1)
    assert sorted(n for _u, n in customers) == [2, 2]  # east_rep2 and the department
    for url, shown in opportunities + customers:
        assert rows_behind(manager, url).count() == shown, url


def test_each_forecast_figure_opens_the_deals_it_sums(client: Any, org: Any) -> None:
    grant_opportunity_permissions()
    s = make_pipeline()
    categories = ("commit", "commit", "best_case", "pipeline", "omitted")
    for i, category in enumerate(categories):
        deal = make_opportunity(org["east_rep"], s["pipeline"], [(s["A"], at(3))], 1000 * (i + 1))
        deal.__class__.objects.filter(pk=deal.pk).update(expected_close_date=at(20).date(), forecast_category=category)
    make_opportunity(org["east_rep"], s["pipeline"], [(s["A"], at(3))], 99)  # no expected date: not forecast
    manager = org["east_manager"]
    client.force_login(manager)
    page = client.get("/sales/targets/?period=month&start=2026-03-01&metric=signed_amount").content.decode()

    links = dict(
        (figure or "weighted", unescape(url))
        for url, figure in re.findall(r'<a href="([^"]+)" class="gx-forecast"(?: data-figure="(\w+)")?', page)
    )
    expected = {"weighted": 4, "commit": 2, "best_case": 3, "pipeline_amount": 4}  # omitted: in no figure
    assert {k: rows_behind(manager, u).count() for k, u in links.items()} == expected
    sums = {k: sum(o.amount for o in rows_behind(manager, u)) for k, u in links.items()}
    assert (sums["commit"], sums["best_case"], sums["pipeline_amount"]) == (3000, 6000, 10000)
    count_url = unescape(re.search(r'<a href="([^"]+)" id="forecast-count">', page).group(1))  # type: ignore[union-attr]
    assert count_url == links["pipeline_amount"]
    listed = client.get(links["commit"]).content.decode()
    assert "Forecast category" in listed
