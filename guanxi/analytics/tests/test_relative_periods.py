"""Relative periods ("last month", "the last 30 days"…) in the report builder, scheduled reports and the figures:
kept as the choice, read on the day the report runs (a controlled clock here), shown on the page, accepted by the
API, refused by name when unknown."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from guanxi.analytics import builder, selectors, services, subscriptions
from guanxi.analytics.models import SavedReport
from guanxi.analytics.relative import RELATIVE_CODES, relative_window
from guanxi.core.errors import ValidationFailed
from guanxi.org.lists.registry import rows_behind

from .helpers import at, customers, joined

D = dt.date


@pytest.mark.parametrize(
    ("code", "today", "first", "last"),
    [
        ("this_month", D(2026, 2, 15), D(2026, 2, 1), D(2026, 2, 28)),
        ("last_month", D(2026, 1, 1), D(2025, 12, 1), D(2025, 12, 31)),
        ("last_month", D(2024, 3, 31), D(2024, 2, 1), D(2024, 2, 29)),
        ("this_quarter", D(2026, 5, 20), D(2026, 4, 1), D(2026, 6, 30)),
        ("last_quarter", D(2026, 2, 10), D(2025, 10, 1), D(2025, 12, 31)),
        ("this_year", D(2026, 7, 4), D(2026, 1, 1), D(2026, 12, 31)),
        ("year_to_date", D(2026, 7, 4), D(2026, 1, 1), D(2026, 7, 4)),
        ("last_7_days", D(2026, 3, 3), D(2026, 2, 25), D(2026, 3, 3)),
        ("last_30_days", D(2026, 3, 3), D(2026, 2, 2), D(2026, 3, 3)),
    ],
)
def test_each_relative_period_read_on_a_day(code: str, today: dt.date, first: dt.date, last: dt.date) -> None:
    window = relative_window(code, today)
    assert (window.date_from, window.date_to) == (first, last)
    assert selectors.window_from({"period": code}, today=today) == window


def test_every_code_has_a_window_and_the_previous_period_is_as_long() -> None:
    for code in RELATIVE_CODES:
        window = relative_window(code, D(2026, 12, 6))
        assert window.date_from <= window.date_to
        before = window.previous
        assert before.date_to == window.date_from - dt.timedelta(days=1)
        if window.kind == "custom":
            assert (before.date_to - before.date_from) == (window.date_to - window.date_from)


@pytest.mark.django_db
def test_a_saved_report_keeps_last_month_as_the_choice_and_reads_it_on_the_day_it_runs(org: Any) -> None:
    joined()
    manager = org["east_manager"]
    customers(org["east_rep"], 3, when=at(10, month=11))
    customers(org["east_rep"], 2, when=at(2, month=12))
    row = services.saved_report_save(
        actor=manager,
        data={"name": "New customers last month", "object": "customers", "group_by": "owner", "period": "last_month"},
    )
    row.refresh_from_db()
    assert (row.period, row.period_field) == ("last_month", "created")  # the choice; by default the creation date
    assert "2026" not in row.filters  # no frozen dates
    spec = builder.spec_of(manager, SavedReport.objects.get(pk=row.pk))
    in_december = builder.run(manager, spec, today=D(2026, 12, 6))
    assert in_december.total == 3 and in_december.window.date_from == D(2026, 11, 1)
    for cell in in_december.rows:  # each cell's list holds the period too
        assert rows_behind(manager, cell.url).count() == cell.value
    in_january = builder.run(manager, spec, today=D(2027, 1, 6))
    assert in_january.total == 2 and in_january.window.date_to == D(2026, 12, 31)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("parts", "field"),
    [
        ({"period": "last_decade"}, "period"),
        ({"period": "this_month", "period_field": "name"}, "period_field"),
    ],
)
def test_an_unknown_period_or_a_field_that_is_no_date_is_refused_by_name(
    org: Any, parts: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        builder.clean(org["east_manager"], {"object": "customers", "group_by": "owner", **parts})
    assert field in (caught.value.fields or {})
    assert not SavedReport.objects.exists()


@pytest.mark.django_db
def test_the_api_runs_and_saves_a_relative_period_and_refuses_an_unknown_one(client: Any, org: Any) -> None:
    joined()
    customers(org["east_rep"], 2, when=at(1, month=1, year=2020))
    client.force_login(org["east_manager"])
    spec = {"object": "customers", "group_by": "owner", "period": "year_to_date"}
    ran = client.post("/api/v1/analytics/builder/run", spec, content_type="application/json")
    assert ran.status_code == 200, ran.text
    body = ran.json()
    assert body["period"] == "year_to_date" and body["date_to"] is not None and float(body["total"]) == 0
    saved = client.post("/api/v1/analytics/reports", {**spec, "name": "YTD"}, content_type="application/json")
    assert saved.status_code == 201 and saved.json()["period"] == "year_to_date"
    bad = client.post("/api/v1/analytics/builder/run", {**spec, "period": "someday"}, content_type="application/json")
    assert bad.status_code in (400, 422) and "period" in bad.text
    figures = client.get("/api/v1/analytics/figures?period=last_30_days")
    assert figures.status_code == 200 and figures.json()["period"]["kind"] == "custom"


@pytest.mark.django_db
def test_a_subscription_keeps_its_period_and_the_worker_reads_it_on_the_day(org: Any, smtp_server: Any) -> None:
    joined()
    manager = org["east_manager"]
    manager.email = "m@example.com"
    manager.save(update_fields=["email"])
    with pytest.raises(ValidationFailed) as caught:  # the league covers months
        subscriptions.subscription_create(
            actor=manager, data={"report": "league", "frequency": "daily", "period": "last_7_days"}
        )
    assert "period" in (caught.value.fields or {})
    row = subscriptions.subscription_create(
        actor=manager, data={"report": "dashboard", "frequency": "daily", "period": "last_7_days"}
    )
    assert row.period == "last_7_days"
    assert subscriptions.report_window(D(2026, 12, 3), row.period).date_from == D(2026, 11, 27)
    assert subscriptions.subscriptions_send_due(now=at(3, month=12, hour=8)) == 1
    [mail] = smtp_server.messages
    assert "2026-11-27" in mail["Subject"] and "2026-12-03" in mail["Subject"]


@pytest.mark.django_db
def test_the_builder_page_offers_and_shows_the_period(client: Any, org: Any) -> None:
    client.force_login(org["east_manager"])
    page = client.get("/analytics/builder/?object=customers&group_by=owner&period=last_month").content.decode()
    assert 'id="b-period"' in page and 'value="last_month" selected' in page
    assert 'value="created" selected' in page  # the date the period applies to, as the server applies it
    assert 'id="report-period"' in page
