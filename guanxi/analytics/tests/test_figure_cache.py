"""The figures cache of the dashboard widgets and the monthly management report: the second render reads fewer
queries, a write shows at once, and a cached figure never reaches a reader outside its scope."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.analytics import selectors
from guanxi.customers.tests.factories import CustomerFactory

from .helpers import NOVEMBER, at, customers, pipeline

pytestmark = pytest.mark.django_db
NOV = selectors.window_for("month", NOVEMBER)


@pytest.fixture
def figures_cached(settings: Any) -> Iterator[None]:
    settings.GUANXI_ANALYTICS_FIGURES_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def _queries(client: Any, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def _new_customers(user: Any, scope: str) -> Any:
    rows = selectors.figures(user=user, window=NOV, scope=scope, keys=["new_customers"])
    return rows[0].value


def test_the_second_dashboard_render_reads_fewer_queries_and_a_new_customer_shows_at_once(
    client: Any, org: Any, figures_cached: None, django_capture_on_commit_callbacks: Any
) -> None:
    pipeline()
    customers(org["east_rep"], 3, when=at(3))
    client.force_login(org["east_rep"])
    url = "/analytics/dashboard/?period=month&date=2026-11-01"
    first, _page = _queries(client, url)
    second, _page = _queries(client, url)
    assert second < first - 10, (first, second)
    assert _new_customers(org["east_rep"], "me") == 3
    # a customer saved (a signal, committed) starts a new generation: the next read counts it
    made = CustomerFactory(owner=org["east_rep"])
    type(made).objects.filter(pk=made.pk).update(created_at=at(9))  # into the test's month (no signal)
    assert _new_customers(org["east_rep"], "me") == 3  # the cache holds until a committed write
    with django_capture_on_commit_callbacks(execute=True):
        made.save(update_fields=["name"])  # the write the rep makes, committed
    assert _new_customers(org["east_rep"], "me") == 4
    third, _page = _queries(client, url)
    assert third > second  # computed again after the write


def test_the_second_management_report_reads_fewer_queries_and_shows_its_age(
    client: Any, org: Any, figures_cached: None, monkeypatch: Any
) -> None:
    customers(org["east_rep"], 2, when=at(3))
    client.force_login(org["east_manager"])
    url = "/analytics/report/?month=2026-11"
    first, page = _queries(client, url)
    assert 'id="figures-computed"' not in page  # computed just now
    second, _page = _queries(client, url)
    assert second < first / 2, (first, second)
    # a figure read from the cache some minutes later says how old it is
    import datetime as dt

    from django.utils import timezone

    later = timezone.now() + dt.timedelta(minutes=3)
    with monkeypatch.context() as mp:
        mp.setattr(timezone, "now", lambda: later)
        _n, page = _queries(client, url)
    assert 'id="figures-computed"' in page


def test_a_cached_figure_never_reaches_a_reader_outside_its_scope(org: Any, figures_cached: None) -> None:
    customers(org["east_rep"], 2, when=at(3))
    customers(org["west_rep"], 5, when=at(3))
    # the company reader fills the cache first; the reps then read theirs, never the company's
    assert _new_customers(org["admin"], "company") == 7
    assert _new_customers(org["east_rep"], "me") == 2
    assert _new_customers(org["west_rep"], "me") == 5
    # a rep asking for more than their scope reaches gets their own rows only (the metric applies their scope)
    metric = selectors.metric_get(org["east_rep"], "new_customers")
    assert selectors.compute(metric, user=org["east_rep"], window=NOV).get(None) == 2


def test_a_rolled_back_write_keeps_the_generation_and_a_committed_one_changes_it(
    org: Any, figures_cached: None, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    from guanxi.analytics import figure_cache

    before = figure_cache.generation()
    with pytest.raises(RuntimeError), transaction.atomic():
        CustomerFactory(owner=org["east_rep"])
        raise RuntimeError
    assert figure_cache.generation() == before
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        CustomerFactory(owner=org["east_rep"])
        CustomerFactory(owner=org["east_rep"])
    assert figure_cache._new_generation in callbacks
    assert figure_cache.generation() != before


def test_a_closed_months_figures_stay_through_everyday_writes_until_a_delete_or_refresh(
    org: Any, figures_cached: None, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.utils import timezone

    from guanxi.analytics import figure_cache

    settings.GUANXI_ANALYTICS_CLOSED_SECONDS = 86400
    rep = org["east_rep"]
    customers(rep, 2, when=at(3))
    running = selectors.window_for("month", timezone.localdate())
    metric = selectors.metric_get(rep, "new_customers")

    def now_and_november() -> tuple[Any, Any]:
        return (
            selectors.compute(metric, user=rep, window=running).get(None),
            _new_customers(rep, "me"),
        )

    assert now_and_november() == (0, 2)
    # when the rep saves a customer today (committed) and one is dated back into November (no signal)
    with django_capture_on_commit_callbacks(execute=True):
        CustomerFactory(owner=rep)
    customers(rep, 1, when=at(9))
    # then today's figure counts the new one at once, while closed November is kept as it was
    assert now_and_november() == (1, 2)
    # until a delete (a record leaves closed months too) starts a new history generation
    with django_capture_on_commit_callbacks(execute=True):
        CustomerFactory(owner=org["west_rep"]).delete()
    assert now_and_november() == (1, 3)
    # and the Refresh button recomputes the reader's own figures
    customers(rep, 1, when=at(10))
    assert now_and_november() == (1, 3)
    figure_cache.reader_refresh(rep.pk)
    assert now_and_november() == (1, 4)
    # a figure read with today's attributes (the pipeline, customers by level) is never kept as a closed one
    assert selectors.registry.metric("pipeline_amount").final is False
    assert selectors.registry.metric("customers_by_level").final is False


def test_the_report_keeps_its_running_month_through_writes_for_a_while(
    client: Any, org: Any, figures_cached: None, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.utils import timezone

    settings.GUANXI_ANALYTICS_REPORT_SECONDS = 900
    client.force_login(org["east_manager"])
    url = f"/analytics/report/?month={timezone.localdate():%Y-%m}"
    first, _page = _queries(client, url)
    with django_capture_on_commit_callbacks(execute=True):
        CustomerFactory(owner=org["east_rep"])  # a write: a new generation
    second, _page = _queries(client, url)
    assert second < first / 2, (first, second)  # the report's figures were still read from the cache
    # while the dashboard's running month follows the write
    assert (
        selectors.figures(
            user=org["east_rep"],
            window=selectors.window_for("month", timezone.localdate()),
            scope="me",
            keys=["new_customers"],
        )[0].value
        == 1
    )


def test_a_sign_in_keeps_closed_months_and_a_role_change_renews_them(
    org: Any, figures_cached: None, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from guanxi.analytics import figure_cache
    from guanxi.org.models import LoginEvent, Role

    settings.GUANXI_ANALYTICS_CLOSED_SECONDS = 86400
    history = figure_cache._generation_of(figure_cache.HISTORY_KEY)
    generation = figure_cache.generation()
    # a sign-in (its event row, the stamped last_login) changes no figure
    with django_capture_on_commit_callbacks(execute=True):
        LoginEvent.objects.create(user=org["east_rep"], username=org["east_rep"].username, success=True)
        org["east_rep"].save(update_fields=["last_login"])
    assert figure_cache._generation_of(figure_cache.HISTORY_KEY) == history
    assert figure_cache.generation() == generation
    # a role changed (who sees what) renews the closed months' figures too
    with django_capture_on_commit_callbacks(execute=True):
        role = Role.objects.first()
        role.save()
    assert figure_cache._generation_of(figure_cache.HISTORY_KEY) != history


def test_refresh_needs_the_right_to_read_figures_and_renews_nothing_for_who_lacks_it(org: Any, client: Any) -> None:
    from django.urls import reverse

    from guanxi.analytics import figure_cache
    from guanxi.org.models import User

    outsider = User.objects.create_user(username="no-roles", password="x")  # signed in, no role at all
    client.force_login(outsider)
    before = cache.get(figure_cache._reader_key(outsider.pk))
    response = client.post(reverse("analytics:refresh"), {"month": "2026-11", "next": "/analytics/league/"})
    assert response.status_code in (403, 404)
    assert cache.get(figure_cache._reader_key(outsider.pk)) == before
    # a reader of figures is sent back where they came from
    client.force_login(org["east_rep"])
    back = client.post(reverse("analytics:refresh"), {"next": "/analytics/league/"})
    assert back.status_code == 302 and back["Location"] == "/analytics/league/"
    assert cache.get(figure_cache._reader_key(org["east_rep"].pk)) is not None
