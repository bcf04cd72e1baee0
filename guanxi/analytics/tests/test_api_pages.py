"""The analytics API and pages: data scope, errors in the one shape, the league rules, the report's export."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from guanxi.analytics.models import LeaguePolicy
from guanxi.core.models import AuditLog

from .helpers import at, customers, follow_ups, joined, opportunities, pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(org: Any) -> Any:
    joined()
    stages = pipeline()
    for rep, n in ((org["east_rep"], 20), (org["east_rep2"], 19), (org["west_rep"], 3)):
        made = customers(rep, n, when=at(3))
        opportunities(rep, 5, when=at(4), stages=stages, amount=2000)
        follow_ups(rep, made[0], 2, when=at(5))
    return org


def _api(client: Any, user: Any, url: str, **kwargs: Any) -> Any:
    client.force_login(user)
    return client.get(url, **kwargs)


def test_a_rep_reads_only_their_own_figures(client: Any, data: Any) -> None:
    body = _api(client, data["east_rep"], "/api/v1/analytics/figures?month=2026-11").json()
    figures = {f["key"]: f for f in body["figures"]}
    assert body["scope"] == "me"
    assert Decimal(figures["new_customers"]["value"]) == 20
    assert Decimal(figures["new_opportunities"]["value"]) == 5
    refused = _api(client, data["east_rep"], "/api/v1/analytics/figures?month=2026-11&scope=company")
    assert refused.status_code == 400 and refused.json()["error"]["fields"]["scope"]


def test_a_manager_breaks_a_figure_down_by_person(client: Any, data: Any) -> None:
    url = "/api/v1/analytics/metrics/new_customers?month=2026-11&group_by=owner"
    body = _api(client, data["executive"], url).json()
    by_person = {r["key"]: Decimal(r["value"]) for r in body["rows"]}
    assert by_person == {str(data["east_rep"].pk): 20, str(data["east_rep2"].pk): 19, str(data["west_rep"].pk): 3}
    assert Decimal(body["total"]) == 42
    assert all(r["records_url"].startswith("/customers/?") for r in body["rows"])


def test_bad_input_names_the_field(client: Any, data: Any) -> None:
    response = _api(client, data["executive"], "/api/v1/analytics/figures?period=custom&date_from=2026-13-01")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) >= {"date_from"}
    response = _api(client, data["executive"], "/api/v1/analytics/metrics/new_customers?group_by=colour")
    assert response.status_code == 400 and "group_by" in response.json()["error"]["fields"]
    assert _api(client, data["executive"], "/api/v1/analytics/metrics/nothing").status_code == 404


def test_the_league_api_flags_and_scopes(client: Any, data: Any) -> None:
    body = _api(client, data["executive"], "/api/v1/analytics/league?month=2026-11").json()
    rows = {r["user_id"]: r for r in body["rows"]}
    assert rows[data["east_rep"].pk]["below_minimum"] == []
    assert rows[data["east_rep2"].pk]["below_minimum"]  # 19 new customers
    assert body["minimums"] == {"new_customers": 20, "new_opportunities": 5}
    mine = _api(client, data["east_rep2"], "/api/v1/analytics/league?month=2026-11").json()
    assert [r["user_id"] for r in mine["rows"]] == [data["east_rep2"].pk]  # a rep: their own row
    assert _api(client, data["nobody"], "/api/v1/analytics/league").status_code == 403


def test_only_an_editor_changes_the_rules(client: Any, data: Any) -> None:
    client.force_login(data["east_manager"])
    refused = client.patch("/api/v1/analytics/league/rules", {"min_new_customers": 10}, content_type="application/json")
    assert refused.status_code == 403
    client.force_login(data["admin"])
    body = {"min_new_customers": 15, "weights": {"follow_ups": 40}}
    response = client.patch("/api/v1/analytics/league/rules", body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["min_new_customers"] == 15 and response.json()["weights"]["follow_ups"] == 40
    assert LeaguePolicy.current().min_new_customers == 15
    bad = client.patch("/api/v1/analytics/league/rules", {"staff_named": 1000}, content_type="application/json")
    assert bad.status_code == 400 and "staff_named" in bad.json()["error"]["fields"]


def test_the_settings_page_saves_and_refuses_nonsense(client: Any, data: Any) -> None:
    client.force_login(data["admin"])
    page = client.get("/analytics/league/settings/")
    assert page.status_code == 200
    form = {
        "min_new_customers": "25",
        "min_new_opportunities": "5",
        "follow_up_window_days": "7",
        "inactive_days": "3",
        "staff_named": "3",
        "agents_named": "10",
        "exclusion_months": "2",
        "weight_new_customers": "30",
        "priority_rule": "1",
    }
    assert client.post("/analytics/league/settings/", form).status_code == 302
    policy = LeaguePolicy.current()
    assert policy.min_new_customers == 25 and policy.priority_rule and not policy.exclusion_rule
    assert client.post("/analytics/league/settings/", form | {"min_new_customers": "x"}).status_code == 400


def test_pages_render_for_a_manager_and_the_report_exports(client: Any, data: Any) -> None:
    client.force_login(data["east_manager"])
    for url in (
        "/analytics/?month=2026-11",
        "/analytics/metrics/new_customers/?month=2026-11&group_by=level",
        "/analytics/league/?month=2026-11",
        "/analytics/report/?month=2026-11",
        f"/analytics/league/violations/?user={data['east_rep'].pk}&month=2026-11",
    ):
        assert client.get(url).status_code == 200, url
    response = client.get("/analytics/report/?month=2026-11&export=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    people = book[book.sheetnames[-1]]
    names = {row[0] for row in people.iter_rows(min_row=2, values_only=True)}
    assert str(data["east_rep"]) in names and str(data["west_rep"]) not in names  # the manager's department only
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, actor=data["east_manager"]).exists()
    pdf = client.get("/analytics/report/?month=2026-11&export=pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, actor=data["east_manager"]).count() == 2
    client.force_login(data["east_rep"])
    assert client.get("/analytics/report/?month=2026-11&export=xlsx").status_code == 403  # reps may not export


def test_the_month_picker_names_months_in_the_pages_language(client: Any, org: Any) -> None:
    # given a manager reading the league, the report and the usage page in Chinese, then in English
    manager = org["east_manager"]
    client.force_login(manager)
    for path in ("/analytics/league/", "/analytics/report/", "/analytics/usage/"):
        for language, label in (("zh-hans", "2026年11月"), ("en", "November 2026")):
            type(manager).objects.filter(pk=manager.pk).update(language=language)
            page = client.get(path + "?month=2026-11").content.decode()
            # then the month is a choice named in the page's language whose value keeps the parameter's format
            assert 'type="month"' not in page
            assert f'<option value="2026-11" selected>{label}</option>' in page, (path, language)
    # and a month further back than the picker's three years is still offered when it is the one shown
    page = client.get("/analytics/league/?month=2019-03").content.decode()
    assert '<option value="2019-03" selected>March 2019</option>' in page
