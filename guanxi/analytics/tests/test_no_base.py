"""A breakdown shows "—" where a share or ratio has nothing to divide by, and 0 where a count is truly zero: the
figure is None (the templates and core.figures write "—"), not a zero that reads as "contacted nobody 0 times"."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from guanxi.analytics import report, selectors

from .helpers import NOVEMBER, at, customers, follow_ups

pytestmark = pytest.mark.django_db
NOV = selectors.window_for("month", NOVEMBER)


def test_a_ratio_without_a_base_is_none_and_a_count_without_rows_is_zero(org: Any, client: Any) -> None:
    # given east_rep followed up a customer in October only, and east_rep2 in November
    rep, rep2, manager = org["east_rep"], org["east_rep2"], org["east_manager"]
    follow_ups(rep, customers(rep, 1, when=at(3, month=10))[0], 2, when=at(5, month=10))
    follow_ups(rep2, customers(rep2, 1, when=at(3))[0], 3, when=at(5))
    frequency = selectors.metric_get(manager, "contact_frequency")
    rows, _total = selectors.breakdown(user=manager, metric=frequency, window=NOV, group_by="owner", scope="team")
    by_person = {r.key: r for r in rows}
    # then November's contact frequency of east_rep has no base ("—"), October's is 2 per customer
    assert by_person[rep.pk].value is None and by_person[rep.pk].previous == Decimal("2.00")
    assert by_person[rep2.pk].value == Decimal("3.00") and by_person[rep2.pk].previous is None
    assert rows[-1].key == rep.pk  # a row without a figure sorts last
    # while a count without rows is a true zero
    logged = selectors.metric_get(manager, "follow_ups")
    counted, _total = selectors.breakdown(user=manager, metric=logged, window=NOV, group_by="owner", scope="team")
    assert {r.key: r.value for r in counted}[rep.pk] == Decimal(0)
    # and the monthly report's person row says "—" for the frequency and 0 for the follow-ups
    month = report.monthly_report(user=manager, window=NOV)
    cells = {p["id"]: p["cells"] for p in month.people}
    assert cells[rep2.pk]["contact_frequency"].value == Decimal("3.00")
    assert cells[rep.pk]["contact_frequency"].value is None  # owns a customer, contacted nobody in November
    assert cells[rep.pk]["follow_ups"].value == Decimal(0)
    # and the page renders the row without a figure (no error on sorting or charting it)
    client.force_login(manager)
    url = "/analytics/metrics/contact_frequency/?group_by=owner&scope=team&period=month&month=2026-11"
    response = client.get(url)
    assert response.status_code == 200
    assert str(rep) in response.content.decode()
