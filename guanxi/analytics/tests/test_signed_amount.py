"""One definition of "signed amount": contracts signed in the period (with or without a deal behind them), the same
figure on the targets page, the dashboard's targets widget, the monthly report and the league."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from guanxi.analytics import ranking, report, selectors
from guanxi.billing.tests.factories import ContractFactory
from guanxi.commerce.models import Contract
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.opportunities.models import Opportunity
from guanxi.sales.targets.models import SalesTarget
from guanxi.sales.targets.selectors import targets_progress

from .helpers import NOVEMBER, at, joined, opportunities, pipeline

pytestmark = pytest.mark.django_db
NOV = selectors.window_for("month", NOVEMBER)


def _signed_data(org: Any) -> dict[str, Any]:
    """东 rep: a contract of 80,000 with no deal and a terminated one; a won deal of 500,000 without a contract."""
    rep = org["east_rep"]
    ContractFactory(customer=CustomerFactory(owner=rep), amount=Decimal("80000"), signed_on=dt.date(2026, 11, 3))
    ContractFactory(
        customer=CustomerFactory(owner=rep),
        amount=Decimal("999"),
        signed_on=dt.date(2026, 11, 4),
        status=Contract.Status.TERMINATED,
    )
    stages = pipeline()
    (won,) = opportunities(rep, 1, when=at(2), stages=stages, amount=500000)
    Opportunity.objects.filter(pk=won.pk).update(status=Opportunity.Status.WON, stage=stages["won"], closed_at=at(10))
    SalesTarget.objects.create(
        owner=rep, period_kind="month", period_start=NOVEMBER, metric="signed_amount", value=Decimal("100000")
    )
    return {"rep": rep}


def test_targets_count_a_contract_without_a_deal_and_not_a_won_deal_without_a_contract(org: Any) -> None:
    rep = _signed_data(org)["rep"]
    data = targets_progress(user=org["executive"], period_kind="month", period_start=NOVEMBER, metric="signed_amount")
    row = next(r for r in data["people"] if r.subject.pk == rep.pk)
    assert row.actual == Decimal("80000.00")  # not 80,000 + 500,000 (the won deal), not + 999 (terminated)
    assert row.percent == Decimal("80.0")
    assert row.url.startswith("/commerce/contracts/")  # the contracts behind it, not the won deals
    assert f"owner={rep.pk}" in row.url and "signed_on_from=2026-11-01" in row.url
    # a rep reading their own targets sees the same figure
    mine = targets_progress(user=rep, period_kind="month", period_start=NOVEMBER, metric="signed_amount")
    assert [r.actual for r in mine["people"] if r.subject.pk == rep.pk] == [Decimal("80000.00")]


def test_the_report_and_the_league_use_the_same_signed_amount(org: Any) -> None:
    rep = _signed_data(org)["rep"]
    joined()
    month = report.monthly_report(user=org["executive"], window=NOV)
    person = next(p for p in month.people if p["id"] == rep.pk)
    assert person["cells"]["signed_contract_amount"].value == Decimal("80000.00")
    summary = {r.metric.key: r.value for r in month.summary}
    assert summary["signed_contract_amount"] == Decimal("80000.00")
    now = timezone.make_aware(dt.datetime(2026, 12, 2, 9))
    league = ranking.league_compute(window=NOV, now=now)
    row = next(r for r in league.rows if r.user_id == rep.pk)
    assert row.values["signed_contract_amount"] == Decimal("80000.00")
