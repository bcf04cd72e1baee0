"""The funnel page: filters, scope, bad input and the audited export."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guanxi.core.models import AuditLog
from guanxi.org.models import Role
from guanxi.sales.tests.test_analytics_funnel import (
    at,
    build_hand_example,
    grant_opportunity_permissions,
    make_opportunity,
)

pytestmark = pytest.mark.django_db

URL = "/sales/opportunities/funnel/"
MARCH = "period=custom&date_from=2026-03-01&date_to=2026-03-31"


@pytest.fixture
def deals(org: Any) -> dict[str, Any]:
    grant_opportunity_permissions()
    s = build_hand_example(org["east_rep"])
    make_opportunity(org["east_rep2"], s["pipeline"], [(s["A"], at(3))], 5)
    return s


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_page_shows_the_funnel_table(org: Any, deals: dict[str, Any]) -> None:
    # given the hand example; when east_rep opens March of the test pipeline
    resp = client_for(org["east_rep"]).get(f"{URL}?{MARCH}&pipeline={deals['pipeline'].pk}")

    # then the table has the hand-computed entries and conversions (own deals only) and the chart data
    assert resp.status_code == 200
    stages = resp.context["data"].stages
    assert [(s.entered, s.onward) for s in stages] == [(10, 6), (6, 3), (3, 2)]
    html = resp.content.decode()
    assert "60%" in html and "50%" in html and "66.7%" in html  # one format for a share: a tenth at most
    assert 'id="gx-funnel-data"' in html


def test_manager_filters_by_owner_and_department(org: Any, deals: dict[str, Any]) -> None:
    # given the east manager; when filtering March by east_rep2, and by the west department
    c = client_for(org["east_manager"])
    base = f"{URL}?{MARCH}&pipeline={deals['pipeline'].pk}"
    rep2 = c.get(f"{base}&owner={org['east_rep2'].pk}").context["data"]
    everyone = c.get(base).context["data"]
    west = c.get(f"{base}&department={org['west_rep'].department_id}").context["data"]

    # then east_rep2 has one entry, the whole team eleven, the west department none
    assert [s.entered for s in rep2.stages] == [1, 0, 0]
    assert everyone.stages[0].entered == 11
    assert [s.entered for s in west.stages] == [0, 0, 0]


@pytest.mark.parametrize(
    "query",
    [
        "period=custom&date_from=2026-03-05&date_to=2026-03-01",
        "period=custom&date_from=nonsense",
        "period=week&owner=abc&department=99999999999999999999999",
        "pipeline=abc",
    ],
)
def test_bad_input_is_not_a_500(org: Any, deals: dict[str, Any], query: str) -> None:
    # given bad filter values; when the page is opened; then it still answers 200
    assert client_for(org["east_rep"]).get(f"{URL}?{query}").status_code == 200


def test_unknown_pipeline_is_404_and_no_permission_403(org: Any, deals: dict[str, Any]) -> None:
    # given a missing pipeline id and a user without role; when opened; then 404 and 403
    assert client_for(org["east_rep"]).get(f"{URL}?pipeline=999999").status_code == 404
    assert client_for(org["nobody"]).get(URL).status_code == 403


def test_export_csv_is_audited(org: Any, deals: dict[str, Any]) -> None:
    # given the manager; when exporting March as CSV
    resp = client_for(org["east_manager"]).get(f"{URL}?{MARCH}&pipeline={deals['pipeline'].pk}&export=csv")

    # then a CSV with the stage rows arrives and one export audit row is written
    assert resp.status_code == 200
    text = resp.content.decode("utf-8-sig")
    assert text.splitlines()[1].startswith("A,11,")
    assert "54.5%" in text.splitlines()[1]
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count() == 1


def test_export_needs_permission(org: Any, deals: dict[str, Any]) -> None:
    # given a rep whose role lost opportunities.export
    role = Role.objects.get(code="sales_rep")
    role.permissions = [p for p in role.permissions if p != "opportunities.export"]
    role.save(update_fields=["permissions"])

    # when exporting
    resp = client_for(org["east_rep"]).get(f"{URL}?export=xlsx")

    # then 403 and nothing is audited
    assert resp.status_code == 403
    assert not AuditLog.objects.filter(action=AuditLog.Action.EXPORT).exists()
