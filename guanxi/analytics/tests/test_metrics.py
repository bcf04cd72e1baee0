"""Metrics as a registry: every app's figures, computed with the reader's data scope, with drill-down URLs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.analytics import selectors
from guanxi.billing.models import Payment
from guanxi.billing.tests.factories import ContractFactory
from guanxi.core.registry import registry
from guanxi.customers.tests.factories import CustomerFactory

from .helpers import NOVEMBER, at, customers, follow_ups, opportunities, pipeline

pytestmark = pytest.mark.django_db
NOV = selectors.window_for("month", NOVEMBER)
EXPECTED = {
    "new_customers",
    "customers_by_level",
    "follow_ups",
    "contact_frequency",
    "new_leads",
    "lead_conversion",
    "new_opportunities",
    "pipeline_amount",
    "won_amount",
    "signed_contract_amount",
    "collected_amount",
    "receivables",
}


def test_every_app_registers_its_metrics() -> None:
    assert set(registry.metrics) >= EXPECTED


def _value(user: Any, key: str, group_by: str = "total", owners: Any = None) -> Any:
    metric = registry.metric(key)
    assert metric is not None
    return selectors.compute(metric, user=user, window=NOV, group_by=group_by, owners=owners)


def test_a_signed_contract_counts_without_a_won_deal_and_money_is_scoped(org: Any) -> None:
    rep, other = org["east_rep"], org["west_rep"]
    mine = ContractFactory(customer=CustomerFactory(owner=rep), amount=Decimal("80000"), signed_on=dt.date(2026, 11, 3))
    ContractFactory(customer=CustomerFactory(owner=other), amount=Decimal("50000"), signed_on=dt.date(2026, 11, 4))
    ContractFactory(customer=CustomerFactory(owner=rep), amount=Decimal("7"), signed_on=dt.date(2026, 10, 30))
    Payment.objects.create(contract=mine, received_on=dt.date(2026, 11, 20), amount=Decimal("30000"))

    assert _value(org["executive"], "signed_contract_amount") == {None: Decimal("130000.00")}
    assert _value(rep, "signed_contract_amount") == {None: Decimal("80000.00")}  # a rep: only their own
    assert _value(org["executive"], "signed_contract_amount", "owner") == {
        rep.pk: Decimal("80000.00"),
        other.pk: Decimal("50000.00"),
    }
    assert _value(rep, "collected_amount") == {None: Decimal("30000.00")}
    # Receivables at the end of November: 80,000 + 7 signed by then, 30,000 collected.
    assert _value(rep, "receivables") == {None: Decimal("50007.00")}


def test_customers_follow_ups_and_contact_frequency(org: Any) -> None:
    rep = org["east_rep"]
    made = customers(rep, 3, when=at(2), level="A")
    customers(rep, 1, when=at(2), level="C")
    follow_ups(rep, made[0], 4, when=at(5))
    follow_ups(rep, made[1], 2, when=at(6))
    manager = org["east_manager"]
    assert _value(manager, "new_customers") == {None: Decimal(4)}
    assert _value(manager, "new_customers", "level") == {"A": Decimal(3), "C": Decimal(1)}
    assert _value(manager, "customers_by_level", "owner+level") == {(rep.pk, "A"): Decimal(3), (rep.pk, "C"): 1}
    assert _value(manager, "follow_ups", "owner") == {rep.pk: Decimal(6)}
    assert _value(manager, "contact_frequency", "owner") == {rep.pk: Decimal("3.00")}  # 6 over 2 customers
    assert _value(org["west_rep"], "new_customers") == {None: Decimal(0)}  # out of a west rep's scope


def test_opportunity_figures_and_drill_down_urls(org: Any) -> None:
    stages = pipeline()
    rep = org["east_rep"]
    opportunities(rep, 2, when=at(3), stages=stages, amount=5000)
    assert _value(rep, "new_opportunities") == {None: Decimal(2)}
    assert _value(rep, "pipeline_amount") == {None: Decimal("10000.00")}
    url = selectors.records_url(registry.metrics["new_opportunities"], NOV, owner=rep.pk)
    assert url == f"/sales/opportunities/?scene=all&created_from=2026-11-01&created_to=2026-11-30&owner={rep.pk}"
    signed = selectors.records_url(registry.metrics["signed_contract_amount"], NOV, department=org.east.pk)
    assert "signed_on_from=2026-11-01" in signed and f"department={org.east.pk}" in signed


def test_the_drill_down_list_shows_exactly_the_records_behind_the_figure(client: Any, org: Any) -> None:
    rep = org["east_rep"]
    made = customers(rep, 3, when=at(2))
    customers(rep, 2, when=at(2, month=10))
    follow_ups(rep, made[0], 2, when=at(5))
    client.force_login(org["east_manager"])
    url = selectors.records_url(registry.metrics["new_customers"], NOV, owner=rep.pk)
    page = client.get(url).content.decode()
    assert all(c.name in page for c in made)
    url = selectors.records_url(registry.metrics["follow_ups"], NOV, owner=rep.pk)
    response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("拜访") == 2


def test_the_overview_is_a_few_queries_per_figure(client: Any, org: Any) -> None:
    stages = pipeline()
    for rep in (org["east_rep"], org["east_rep2"], org["team_rep"]):
        customers(rep, 5, when=at(2))
        opportunities(rep, 3, when=at(3), stages=stages)
    client.force_login(org["executive"])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/analytics/?month=2026-11")
    assert response.status_code == 200
    n = len(registry.metrics)
    assert len(ctx.captured_queries) <= 3 * 2 * n + 25, len(ctx.captured_queries)


def test_the_figures_of_an_app_switched_off_are_not_offered(org: Any, settings: Any) -> None:
    from guanxi.analytics.selectors import visible_metrics

    settings.REALESTATE_ENABLED = True
    assert {"re_contract_amount", "re_subscriptions"} <= {m.key for m in visible_metrics(org["admin"])}
    settings.REALESTATE_ENABLED = False
    assert not {m.key for m in visible_metrics(org["admin"])} & {"re_contract_amount", "re_subscriptions"}


def test_a_share_with_nothing_to_divide_by_is_no_figure_not_zero(client: Any, org: Any) -> None:
    # given no lead made in November: lead conversion has no base (a count of leads is simply 0)
    executive = org["executive"]
    window = selectors.window_for("month", NOVEMBER)
    rows = {r.metric.key: r for r in selectors.figures(user=executive, window=window, scope="company")}
    assert rows["lead_conversion"].value is None and rows["lead_conversion"].change is None
    assert rows["new_leads"].value == 0
    # then the API answers null and the page a dash, not 0%
    client.force_login(executive)
    body = client.get("/api/v1/analytics/figures?month=2026-11&scope=company").json()
    answered = {f["key"]: f for f in body["figures"]}
    assert answered["lead_conversion"]["value"] is None and Decimal(str(answered["new_leads"]["value"])) == 0
    assert "0%" not in client.get("/analytics/?period=month&date=2026-11-01&scope=company").content.decode()
