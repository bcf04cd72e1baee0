"""The figures cache warmed before people arrive: the worker's daily job computes the managers' and executives'
dashboards, the league and their monthly reports, so their first visit of the day reads no figure; each figure is
its own reader's, and a write still shows as it did."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.analytics import selectors, warming
from guanxi.analytics.models import DashboardLayout
from guanxi.core.registry import registry
from guanxi.customers.tests.factories import CustomerFactory

from .helpers import customers

pytestmark = pytest.mark.django_db
# The tables the figures are summed from: a page read from a warmed cache queries none of them.
FIGURE_TABLES = ("customers_customer", "customers_followup", "sales_opportunity", "commerce_contract", "billing_")


@pytest.fixture
def caches_on(settings: Any) -> Iterator[None]:
    settings.GUANXI_ANALYTICS_FIGURES_CACHE_SECONDS = 300
    settings.GUANXI_ANALYTICS_CACHE_SECONDS = 600
    settings.GUANXI_ANALYTICS_CLOSED_SECONDS = 86400
    settings.GUANXI_ANALYTICS_REPORT_SECONDS = 900
    settings.GUANXI_ANALYTICS_WARM_HOUR = 0
    cache.clear()
    yield
    cache.clear()


def _figure_queries(client: Any, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries if any(t in q["sql"] for t in FIGURE_TABLES)]


def _month() -> selectors.Window:
    return selectors.window_for("month", timezone.localdate())


def _new_customers(user: Any, scope: str) -> Any:
    return selectors.figures(user=user, window=_month(), scope=scope, keys=["new_customers"])[0].value


def _warm() -> Any:
    job = next(j for j in registry.periodic if j.key == "analytics_figures_warm")
    return job.run()


def test_after_the_job_a_managers_dashboard_and_report_read_no_figure(client: Any, org: Any, caches_on: None) -> None:
    # given a department manager whose dashboard shows the cached widgets, and customers of this month
    manager = org["east_manager"]
    DashboardLayout.objects.create(user=manager, widgets=["figures", "pipeline", "league"])
    customers(org["east_rep"], 2, when=timezone.now())
    client.force_login(manager)
    # when the worker's job has run
    result = _warm()
    assert result["readers"] >= 2 and not result["failed"], result
    # then the first visit of the day queries no table a figure is summed from
    assert _figure_queries(client, "/analytics/dashboard/") == []
    assert _figure_queries(client, "/analytics/report/") == []
    # and without the job the same visits compute them (the assertion above can fail)
    cache.clear()
    assert _figure_queries(client, "/analytics/dashboard/")
    assert _figure_queries(client, "/analytics/report/")


def test_a_warmed_figure_is_its_readers_own(org: Any, caches_on: None) -> None:
    # given customers in two departments and a rep of each
    customers(org["east_rep"], 2, when=timezone.now())
    customers(org["west_rep"], 5, when=timezone.now())
    readers = {u.pk for u in warming.warmed_readers()}
    # a rep (scope self) is not warmed: their page costs little; managers and executives are
    assert org["east_rep"].pk not in readers and org["west_rep"].pk not in readers
    assert {org["east_manager"].pk, org["west_manager"].pk, org["executive"].pk} <= readers
    _warm()
    # then each reads their own scope's figure, never another's warmed one
    assert _new_customers(org["east_manager"], "department") == 2
    assert _new_customers(org["west_manager"], "department") == 5
    assert _new_customers(org["executive"], "company") == 7
    assert _new_customers(org["east_rep"], "me") == 2
    assert _new_customers(org["west_rep"], "me") == 5


def test_a_write_after_warming_shows_and_the_report_is_kept_only_while_nothing_is_written(
    client: Any, org: Any, caches_on: None, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = org["east_manager"]
    client.force_login(manager)
    # at 10:00 local time: two hours on is the same day (the running month's figures are kept to the day's end; from
    # 22:00 on, two hours on was the next day and the report was computed again whatever was written)
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    later = start + dt.timedelta(hours=2)  # past the report's 15 minutes
    monkeypatch.setattr(timezone, "now", lambda: start)
    _warm()
    with monkeypatch.context() as mp:
        mp.setattr(timezone, "now", lambda: later)
        # nothing written since the job: the report is still the warmed one
        assert _figure_queries(client, "/analytics/report/") == []
    # when a rep saves a customer (committed)
    with django_capture_on_commit_callbacks(execute=True):
        CustomerFactory(owner=org["east_rep"])
    # then the dashboard counts it at once, and the report two hours on is computed again
    assert _new_customers(manager, "department") == 1
    with monkeypatch.context() as mp:
        mp.setattr(timezone, "now", lambda: later)
        assert _figure_queries(client, "/analytics/report/")


def test_the_job_runs_once_a_day_from_its_hour(org: Any, caches_on: None, settings: Any) -> None:
    settings.GUANXI_ANALYTICS_WARM_HOUR = 6
    today = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    assert "skipped" in warming.figures_warm(now=today.replace(hour=5))
    assert "readers" in warming.figures_warm(now=today.replace(hour=6))
    assert warming.figures_warm(now=today.replace(hour=7)) == {"skipped": "already warmed today"}
    settings.GUANXI_ANALYTICS_FIGURES_CACHE_SECONDS = settings.GUANXI_ANALYTICS_CLOSED_SECONDS = 0
    assert warming.figures_warm(now=today.replace(hour=8), force=True) == {"skipped": "the figures cache is off"}
