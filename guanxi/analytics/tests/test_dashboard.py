"""The role dashboard: role defaults, widgets added and removed (remembered), scope and period, few queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.analytics import dashboard, selectors
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


def test_my_tasks_counts_the_readers_own_open_tasks_overdue_first(org: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    from guanxi.customers.tests.factories import TaskFactory

    now = timezone.now()
    late = TaskFactory(assignee=org["east_rep"], due_at=now - dt.timedelta(days=1), title="Call back")
    TaskFactory(assignee=org["east_rep"], due_at=now + dt.timedelta(days=2))
    TaskFactory(assignee=org["east_rep"], due_at=now - dt.timedelta(days=3), done=True)
    TaskFactory(assignee=org["west_rep"], due_at=now - dt.timedelta(days=1))
    window = selectors_window()
    data = dashboard.WIDGETS["tasks"].data(org["east_rep"], window, "me")
    assert (data["count"], data["overdue"]) == (2, 1)
    assert data["rows"][0] == late


def test_every_widget_renders_on_the_page_and_a_manager_may_add_each(client: Any, org: Any) -> None:
    manager = org["east_manager"]
    client.force_login(manager)
    for widget in dashboard.available(manager):
        client.post("/analytics/dashboard/", {"widget": widget.key, "action": "add"})
    page = client.get("/analytics/dashboard/?period=last_30_days").content.decode()
    for widget in dashboard.available(manager):
        assert f'data-widget="{widget.key}"' in page, widget.key
    assert 'value="last_30_days" selected' in page  # the relative period stays chosen


def test_each_role_without_selling_gets_its_own_figures(org: Any) -> None:
    from guanxi.org.tests.factories import UserFactory

    agent = UserFactory(username="service_one", department=org.hq, roles=["service_agent"])
    marketer = UserFactory(username="marketer", department=org.hq, roles=["marketing"])
    assert dashboard.layout_of(agent) == ["figures", "tickets", "tasks"]
    assert dashboard.layout_of(marketer) == ["figures", "leads", "forgotten"]
    window = selectors_window()
    keys = [r.metric.key for r in dashboard.WIDGETS["figures"].data(agent, window, "company")["rows"]]
    assert keys and set(keys) <= set(dashboard.ROLE_FIGURE_KEYS["service_agent"])


def selectors_window() -> Any:
    from django.utils import timezone

    from guanxi.analytics.selectors import window_for

    return window_for("month", timezone.localdate())


SMALL_WIDGETS = ("closing", "forgotten", "tasks", "receivables", "tickets", "leads", "approvals", "league")
# Queries a small widget may run, its rows drawn included: counts on indexed columns, never one query per row.
WIDGET_QUERY_BUDGET = {"league": 20}


def _widget_queries(widget: Any, user: Any, window: Any, scope: str) -> int:
    from django.template.loader import render_to_string

    with CaptureQueriesContext(connection) as ctx:
        data = widget.data(user, window, scope)
        render_to_string(widget.template, {"data": data})
    return len(ctx.captured_queries)


@pytest.mark.parametrize("key", SMALL_WIDGETS)
def test_a_small_widget_runs_a_few_queries_whatever_the_rows(org: Any, key: str) -> None:
    import datetime as dt

    from django.utils import timezone

    from guanxi.customers.tests.factories import TaskFactory
    from guanxi.sales.opportunities.models import Opportunity

    widget = dashboard.WIDGETS[key]
    window = selectors_window()
    manager, rep = org["east_manager"], org["east_rep"]
    stages = pipeline()

    def more(n: int) -> None:  # n more rows for each widget that lists or counts them
        made = opportunities(rep, n, when=at(3), stages=stages)
        Opportunity.objects.filter(pk__in=[o.pk for o in made]).update(expected_close_date=timezone.localdate())
        customers(rep, n, when=timezone.now() - dt.timedelta(days=60))
        for reader in (manager, rep):
            for _ in range(n):
                TaskFactory(assignee=reader, due_at=timezone.now() - dt.timedelta(hours=1))

    more(1)
    widget.data(manager, window, "team")  # the reader's grants and scope are read once and kept
    few = _widget_queries(widget, manager, window, "team")
    more(8)
    many = _widget_queries(widget, manager, window, "team")
    assert many == few, (key, few, many)
    assert many <= WIDGET_QUERY_BUDGET.get(key, 6), (key, many)


def test_the_pipeline_widget_reads_the_stages_once_and_its_total_is_their_sum(org: Any) -> None:
    # given open deals at two stages of a manager's team, and one won deal (not in the pipeline)
    from guanxi.analytics.selectors import compute, metric_get, window_for

    stages = pipeline()
    made = opportunities(org["east_rep"], 3, when=at(3), stages=stages, amount=1000)
    type(made[0]).objects.filter(pk=made[0].pk).update(stage=stages["B"])
    type(made[1]).objects.filter(pk=made[1].pk).update(status="won")
    manager = org["east_manager"]
    window = window_for("month", dt.date(2026, 11, 1))
    # when the widget is read
    with CaptureQueriesContext(connection) as ctx:
        data = dashboard._pipeline(manager, window, "team")
    # then one query reads the open deals by stage, and the total is the whole pipeline's figure
    assert len([q for q in ctx.captured_queries if "sales_opportunity" in q["sql"]]) == 1
    assert sorted(r.value for r in data["rows"]) == [1000, 1000]
    metric = metric_get(manager, "pipeline_amount")
    owners = selectors.scope_owners(manager, "team")
    assert data["total"] == compute(metric, user=manager, window=window, owners=owners)[None] == 2000


def test_a_company_readers_pipeline_by_stage_comes_from_the_kept_totals_and_equals_the_deals(org: Any) -> None:
    # given open deals of two departments at two stages, one won, one in the recycle bin
    from django.utils import timezone

    from guanxi.sales.metrics import _pipeline_amount

    stages = pipeline()
    east = opportunities(org["east_rep"], 3, when=at(3), stages=stages, amount=1000)
    west = opportunities(org["west_rep"], 2, when=at(3), stages=stages, amount=700)
    type(east[0]).objects.filter(pk=east[0].pk).update(stage=stages["B"])
    type(east[1]).objects.filter(pk=east[1].pk).update(status="won")
    type(west[0]).objects.filter(pk=west[0].pk).update(deleted_at=timezone.now())
    reader, window = org["executive"], selectors.window_for("month", dt.date(2026, 11, 1))
    # when an executive (every deal) reads the pipeline widget
    with CaptureQueriesContext(connection) as ctx:
        data = dashboard._pipeline(reader, window, "company")
    # then no query reads the deals themselves, and each stage is what the deals' grouped query gives
    assert not [q for q in ctx.captured_queries if '"sales_opportunity"' in q["sql"]]
    asked = {"date_from": window.date_from, "date_to": window.date_to, "group_by": "stage"}
    grouped = _pipeline_amount(user=reader, **asked)
    assert {r.key: r.value for r in data["rows"]} == grouped == {stages["A"].pk: 1700, stages["B"].pk: 1000}
    # narrowed to some people, and for a manager (their department's deals: the grouped query), the same
    assert dashboard._pipeline(reader, window, "me")["rows"] == []
    only_east = selectors.compute(
        selectors.metric_get(reader, "pipeline_amount"),
        user=reader,
        window=window,
        group_by="stage",
        owners=[org["east_rep"].pk],
    )
    assert (
        only_east
        == _pipeline_amount(user=reader, owners=[org["east_rep"].pk], **asked)
        == {stages["A"].pk: 1000, stages["B"].pk: 1000}
    )
    manager = org["east_manager"]
    assert {r.key: r.value for r in dashboard._pipeline(manager, window, "department")["rows"]} == {
        stages["A"].pk: 1000,
        stages["B"].pk: 1000,
    }
