"""The role dashboard: role defaults, widgets added and removed (remembered), scope and period, few queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.analytics import dashboard
from guanxi.analytics.models import DashboardLayout

from .helpers import at, customers, opportunities, pipeline

pytestmark = pytest.mark.django_db


def test_each_role_starts_with_its_defaults(org: Any) -> None:
    assert dashboard.layout_of(org["east_rep"]) == list(dashboard.ROLE_DEFAULTS["sales_rep"])
    assert dashboard.layout_of(org["east_manager"])[:2] == ["figures", "pipeline"]


def test_a_widget_added_and_removed_is_remembered(client: Any, org: Any) -> None:
    client.force_login(org["east_rep"])
    assert client.post("/analytics/dashboard/", {"widget": "forgotten", "action": "remove"}).status_code == 302
    assert client.post("/analytics/dashboard/", {"widget": "pipeline", "action": "add"}).status_code == 302
    layout = DashboardLayout.objects.get(user=org["east_rep"]).widgets
    assert "forgotten" not in layout and layout[-1] == "pipeline"
    page = client.get("/analytics/dashboard/").content.decode()
    assert 'data-widget="pipeline"' in page and 'data-widget="forgotten"' not in page
    client.post("/analytics/dashboard/", {"widget": "pipeline", "action": "up"})
    assert DashboardLayout.objects.get(user=org["east_rep"]).widgets[-2] == "pipeline"
    client.post("/analytics/dashboard/", {"widget": "figures", "action": "reset"})
    assert not DashboardLayout.objects.filter(user=org["east_rep"]).exists()


def test_the_dashboard_shows_the_readers_own_figures_in_few_queries(client: Any, org: Any) -> None:
    stages = pipeline()
    customers(org["east_rep"], 4, when=at(3))
    customers(org["west_rep"], 7, when=at(3))
    opportunities(org["east_rep"], 2, when=at(4), stages=stages, amount=3000)
    client.force_login(org["east_rep"])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/analytics/dashboard/?month=2026-11&date=2026-11-01")
    assert response.status_code == 200
    assert len(ctx.captured_queries) <= 90, len(ctx.captured_queries)
    page = response.content.decode()
    assert f"owner={org['east_rep'].pk}" in page  # drill-down to the rep's own records
    assert "scope=company" not in page


def test_a_widget_out_of_reach_is_refused(client: Any, org: Any) -> None:
    client.force_login(org["east_rep"])
    client.post("/analytics/dashboard/", {"widget": "nothing", "action": "add"})
    assert not DashboardLayout.objects.filter(user=org["east_rep"]).exists()
