"""Several periods in one query (core.metrics `PeriodMetric.series`, `selectors.compute_series`): the monthly report's
six months by department, and every figure's month, previous month and year ago, answer exactly what one query per
period answered (the figures before the change), on hand-built data spread over those months."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.analytics import report, selectors
from guanxi.billing.models import Payment
from guanxi.billing.tests.factories import ContractFactory
from guanxi.core.registry import registry
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.leads.models import Lead
from guanxi.sales.opportunities.models import LostReason, Opportunity, StageChange
from guanxi.sales.tests.factories import LeadFactory

from .helpers import NOVEMBER, at, customers, follow_ups, opportunities, pipeline

pytestmark = pytest.mark.django_db
NOV = selectors.window_for("month", NOVEMBER)
# The months spanned: the report's six (June to November 2026) and November 2025 (a year ago).
MONTHS = [(2025, 11), (2026, 6), (2026, 8), (2026, 9), (2026, 10), (2026, 11)]


def _spread(org: Any) -> None:
    """Customers (two levels), follow-ups, new, won and lost deals with a reason, funnel steps, signed contracts and
    payments for three reps of two departments, in each of MONTHS, on the months' first and last moments too."""
    stages = pipeline()
    reason = LostReason.objects.create(name="价格太高")
    for n, (year, month) in enumerate(MONTHS):
        last = (dt.date(year, month, 1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        for i, rep in enumerate((org["east_rep"], org["team_rep"], org["west_rep"])):
            first, end = at(1, month, year, hour=0), at(last.day, month, year, hour=23)
            made = customers(rep, 1 + (n + i) % 3, when=first, level="A")
            customers(rep, 1, when=end, level="C")
            follow_ups(rep, made[0], 1 + i, when=end)
            follow_ups(rep, CustomerFactory(owner=rep), 1, when=first)
            deals = opportunities(rep, 2 + i, when=first, stages=stages, amount=1000 * (n + 1))
            Opportunity.objects.filter(pk=deals[0].pk).update(status="won", stage=stages["won"], closed_at=end)
            Opportunity.objects.filter(pk=deals[1].pk).update(
                status="lost", stage=stages["lost"], closed_at=first, lost_reason=reason if i else None
            )
            StageChange.objects.create(opportunity=deals[-1], from_stage=stages["A"], to_stage=stages["B"], at=end)
            contract = ContractFactory(
                customer=made[0], amount=Decimal(5000 + 100 * n + i), signed_on=dt.date(year, month, 1 + i)
            )
            Payment.objects.create(contract=contract, received_on=last, amount=Decimal(700 + n))
            leads = [LeadFactory(owner=rep, status="converted" if j < i else "new") for j in range(2 + n % 2)]
            Lead.objects.filter(pk__in=[x.pk for x in leads]).update(created_at=end)


def _series_metrics() -> list[Any]:
    return [m for m in registry.metric_list() if getattr(m.compute, "series", None) is not None]


def test_every_figure_in_one_query_equals_one_query_per_period(org: Any) -> None:
    _spread(org)
    windows = [NOV, NOV.previous, NOV.year_ago, selectors.window_for("month", dt.date(2026, 6, 1))]
    metrics = _series_metrics()
    assert {
        "new_customers",
        "follow_ups",
        "contact_frequency",
        "lead_conversion",
        "signed_contract_amount",
        "collected_amount",
        "won_amount",
        "receivables",
    } <= {m.key for m in metrics}
    for reader in ("executive", "east_rep"):
        user = org[reader]
        for metric in metrics:
            for group_by in metric.groupings:
                for owners in (None, [org["east_rep"].pk, org["west_rep"].pk]):
                    one_each = [
                        selectors.compute(metric, user=user, window=w, group_by=group_by, owners=owners)
                        for w in windows
                    ]
                    together = selectors.compute_series(
                        metric, user=user, windows=windows, group_by=group_by, owners=owners
                    )
                    assert together == one_each, (reader, metric.key, group_by, owners)
    # the hand-built data shows up in the figures compared (not a comparison of empty dicts)
    signed = registry.metric("signed_contract_amount")
    assert signed is not None
    by_department = selectors.compute_series(
        signed, user=org["executive"], windows=[NOV, NOV.year_ago], group_by="department"
    )
    assert by_department[0] == {org.east.pk: Decimal(5500), org.east_team.pk: Decimal(5501), org.west.pk: 5502}
    assert by_department[1] == {org.east.pk: Decimal(5000), org.east_team.pk: Decimal(5001), org.west.pk: 5002}


def test_the_monthly_report_reads_six_months_in_one_query_per_figure(org: Any) -> None:
    _spread(org)
    boss = org["executive"]
    with CaptureQueriesContext(connection) as ctx:
        data = report.monthly_report(user=boss, window=NOV)
    queries = len(ctx.captured_queries)
    for key, rows in data.departments.items():
        metric = registry.metric(key)
        assert metric is not None
        for month_index, month in enumerate(data.months):
            before = selectors.compute(metric, user=boss, window=month, group_by="department")
            shown = {dept: cells[month_index].value for dept, _name, cells in rows if dept in before}
            assert shown == before, (key, month.label)
            assert all(cells[month_index].value == 0 for dept, _n, cells in rows if dept not in before)
    for row in data.summary:
        assert row.value == selectors.compute(row.metric, user=boss, window=NOV).get(
            None, selectors.no_figure(row.metric)
        )
        assert row.previous == selectors.compute(row.metric, user=boss, window=NOV.previous).get(None, Decimal(0))
        assert row.year_ago == selectors.compute(row.metric, user=boss, window=NOV.year_ago).get(None, Decimal(0))
    assert any(row.year_ago for row in data.summary) and any(row.previous for row in data.summary)
    # two figures by department over six months (one query each, not six), ten per person, seven in the summary
    # (each in two ranges of dates read from an index: the month with the one before, and a year ago)
    assert queries <= 40, queries  # was 51
    # the exports still carry the same figures
    sheets = report.report_sheets(data)
    assert sheets[0][2][0][1] == float(data.summary[0].value or 0)
    assert report.report_export(actor=boss, data=data, fmt="xlsx")[0][:2] == b"PK"
    assert report.report_export(actor=boss, data=data, fmt="pdf")[0][:4] == b"%PDF"
