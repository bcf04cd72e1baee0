"""The usage league (CRM 使用考核, 000 §十二): minimums, the weighted ranking, violations, publication."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from guanxi.analytics import ranking, selectors, services
from guanxi.analytics.models import LeaguePolicy, LeaguePublication
from guanxi.analytics.ranking import LeagueRow, score_rows
from guanxi.analytics.selectors import window_for
from guanxi.core.models import Notification

from .helpers import NOVEMBER, at, customers, joined, opportunities, pipeline

pytestmark = pytest.mark.django_db
NOV = window_for("month", NOVEMBER)


@pytest.fixture(autouse=True)
def _joined_before_november(db: Any, request: Any) -> None:
    """The org fixture's people are made now; the league ranks November, so they joined in January."""
    if "org" in request.fixturenames:
        request.getfixturevalue("org")
        joined()


def _row(league: Any, user: Any) -> LeagueRow:
    return next(r for r in league.rows if r.user_id == user.pk)


def test_the_minimums_flag_19_customers_but_not_20(org: Any) -> None:
    stages = pipeline()
    short, enough = org["east_rep"], org["east_rep2"]
    customers(short, 19, when=at(5))
    customers(enough, 20, when=at(6))
    opportunities(short, 5, when=at(7), stages=stages)
    opportunities(enough, 5, when=at(7), stages=stages)
    customers(enough, 3, when=at(2, month=10))  # October: not November's

    league = ranking.league_compute(window=NOV, now=at(30))

    assert _row(league, short).values["new_customers"] == 19
    assert _row(league, short).flagged
    assert "19 new customers, below the minimum of 20" in _row(league, short).flags[0]
    assert _row(league, enough).values["new_customers"] == 20
    assert _row(league, enough).values["new_opportunities"] == 5
    assert not _row(league, enough).flagged


def test_four_opportunities_are_below_the_minimum_and_the_minimum_is_data(org: Any) -> None:
    stages = pipeline()
    rep = org["east_rep"]
    customers(rep, 20, when=at(5))
    opportunities(rep, 4, when=at(7), stages=stages)
    league = ranking.league_compute(window=NOV, now=at(30))
    assert [f for f in _row(league, rep).flags] == ["4 new opportunities, below the minimum of 5"]

    services.league_policy_update(actor=org["admin"], data={"min_new_opportunities": "4"})
    assert not _row(ranking.league_compute(window=NOV, now=at(30)), rep).flagged


def test_the_weighted_order_on_a_worked_example() -> None:
    """Weights 50 / 30 / 20 on customers, opportunities, follow-ups. Best values: 20, 10, 40.
    A: 20, 2, 0  -> 50·1 + 30·0.2 + 20·0   = 56
    B: 10, 10, 10 -> 50·0.5 + 30·1 + 20·0.25 = 60
    C: 0, 5, 40  -> 0 + 30·0.5 + 20·1      = 35
    D: 10, 5, 20 -> 25 + 15 + 10           = 50"""
    weights = {"new_customers": 50, "new_opportunities": 30, "follow_ups": 20}

    def row(pk: int, name: str, c: int, o: int, f: int) -> LeagueRow:
        values = {"new_customers": Decimal(c), "new_opportunities": Decimal(o), "follow_ups": Decimal(f)}
        return LeagueRow(user_id=pk, name=name, department="", values=values)

    rows = [row(1, "A", 20, 2, 0), row(2, "B", 10, 10, 10), row(3, "C", 0, 5, 40), row(4, "D", 10, 5, 20)]
    score_rows(rows, weights, named=1)
    assert [(r.name, r.score, r.rank) for r in rows] == [
        ("B", Decimal("60.00"), 1),
        ("A", Decimal("56.00"), 2),
        ("D", Decimal("50.00"), 3),
        ("C", Decimal("35.00"), 4),
    ]
    assert [r.name for r in rows if r.named == "top"] == ["B"]
    assert [r.name for r in rows if r.named == "bottom"] == ["C"]


def test_the_league_ranks_from_the_data_with_the_policy_weights(org: Any) -> None:
    stages = pipeline()
    a, b = org["east_rep"], org["west_rep"]
    customers(a, 20, when=at(3))
    customers(b, 10, when=at(3))
    opportunities(a, 2, when=at(4), stages=stages)
    opportunities(b, 10, when=at(4), stages=stages)
    policy = LeaguePolicy.current()
    policy.weights = {"new_customers": 50, "new_opportunities": 50}
    policy.save()
    league = ranking.league_compute(window=NOV, now=at(30))
    # a: 50·1 + 50·0.2 = 60; b: 50·0.5 + 50·1 = 75
    assert _row(league, b).score == Decimal("75.00") and _row(league, b).rank == 1
    assert _row(league, a).score == Decimal("60.00") and _row(league, a).rank == 2
    # Agents have their own league: agent_rep (a channel rep of an agent) is not in the staff league.
    assert org["agent_rep"].pk not in {r.user_id for r in league.rows}
    agents = ranking.league_compute(window=NOV, agents=True, now=at(30))
    assert [r.user_id for r in agents.rows] == [org["agent_rep"].pk]


def test_open_opportunities_without_a_follow_up_in_the_window_are_violations(org: Any) -> None:
    from guanxi.customers.models import FollowUp

    stages = pipeline()
    rep = org["east_rep"]
    stale, fresh, new = opportunities(rep, 3, when=at(1), stages=stages)
    FollowUp.objects.create(customer=fresh.customer, author=rep, content="电话", occurred_at=at(28))
    FollowUp.objects.create(customer=stale.customer, author=rep, content="电话", occurred_at=at(10))
    type(new).objects.filter(pk=new.pk).update(created_at=at(29))  # younger than the 7-day window: not yet due
    opportunities(org["west_rep"], 2, when=at(1), stages=stages)  # another rep's: counted for him, not for rep

    league = ranking.league_compute(window=NOV, now=at(30))
    assert _row(league, rep).violations == 1
    assert _row(league, org["west_rep"]).violations == 2
    listed = ranking.violations_of(user=org["east_manager"], owner_id=rep.pk, window=NOV)
    assert [o.pk for o in listed] == [stale.pk]


def test_the_dashboard_widget_ranks_without_counting_violations_and_shows_the_same(org: Any, settings: Any) -> None:
    import datetime as dt

    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from guanxi.analytics import dashboard
    from guanxi.customers.models import FollowUp

    # given the month running: new customers (one rep below the minimum), and open deals, one without a follow-up
    now = timezone.now()
    running = selectors.window_for("month", timezone.localdate())
    rep, other = org["east_rep"], org["west_rep"]
    customers(rep, 3, when=now)
    customers(other, 1, when=now)
    stale, fresh = opportunities(rep, 2, when=now - dt.timedelta(days=10), stages=pipeline())
    FollowUp.objects.create(customer=fresh.customer, author=rep, content="电话", occurred_at=now - dt.timedelta(days=1))
    full = ranking.league_compute(window=running)
    assert _row(full, rep).violations == 1 and full.violations_counted
    reader = org["east_manager"]

    def shown(widget: dict[str, Any]) -> Any:
        mine = widget["mine"]
        rows = [(r.user_id, r.rank, r.score, r.flags, r.named) for r in [*widget["top"], *widget["flagged"]]]
        return (mine.rank, mine.flags) if mine else None, [f["text"] for f in widget["flags"]], widget["size"], rows

    # when the widget must rank the month (nothing kept): no violations are counted (no open deal is read against
    # the follow-ups)
    settings.GUANXI_ANALYTICS_CACHE_SECONDS = 0
    with CaptureQueriesContext(connection) as ctx:
        ranked = dashboard._league(reader, running, "team")
    assert not [q for q in ctx.captured_queries if "sales_opportunity" in q["sql"] and "customers_followup" in q["sql"]]
    # then it shows what the league with its violations shows: ranks, scores, flags, the named top and bottom
    settings.GUANXI_ANALYTICS_CACHE_SECONDS = 600
    cache.clear()
    page = ranking.league_for(user=reader, window=running)  # the league page ranks and keeps the whole league
    assert _row(page, rep).violations == 1
    kept = dashboard._league(reader, running, "team")  # which the widget then reads
    assert kept["computed_at"] == page.computed_at
    assert shown(ranked) == shown(kept) and ranked["flagged"]
    for a, b in zip(ranking.league_compute(window=running, violations=False).rows, full.rows, strict=True):
        assert (a.user_id, a.values, a.score, a.rank, a.flag_keys, a.named) == (
            b.user_id,
            b.values,
            b.score,
            b.rank,
            b.flag_keys,
            b.named,
        )
    cache.clear()


def test_a_league_ranked_into_an_empty_cache_is_read_after_the_first_figure(org: Any, settings: Any) -> None:
    from django.core.cache import cache

    from guanxi.analytics import figure_cache
    from guanxi.core.registry import registry

    # given the warming job's order: the league ranked first, into an empty cache (no history generation yet)
    settings.GUANXI_ANALYTICS_CACHE_SECONDS = 600
    settings.GUANXI_ANALYTICS_FIGURES_CACHE_SECONDS = 300
    settings.GUANXI_ANALYTICS_CLOSED_SECONDS = 86400
    cache.clear()
    customers(org["east_rep"], 2, when=at(5))
    with figure_cache.warming():
        warmed = ranking.league_cached(window=NOV)
    # when a reader's figure is computed and cached next (which needs the history generation)
    metric = registry.metric("new_customers")
    assert metric is not None
    selectors.compute(metric, user=org["east_manager"], window=NOV)
    # then the league page reads the warmed league, not one ranked again
    assert ranking.league_for(user=org["east_manager"], window=NOV).computed_at == warmed.computed_at
    cache.clear()


def test_month_end_publication_stores_the_league_and_tells_the_team(org: Any) -> None:
    stages = pipeline()
    customers(org["east_rep"], 20, when=at(3))
    opportunities(org["east_rep"], 5, when=at(4), stages=stages)

    assert services.league_publish_due(now=at(1, month=12, hour=9)) == 2  # staff and agents

    assert set(LeaguePublication.objects.values_list("kind", flat=True)) == {"staff", "agents"}
    staff = LeaguePublication.objects.get(month=NOVEMBER, kind="staff")
    assert staff.rows[0]["user"] == org["east_rep"].pk and staff.top[0] == org["east_rep"].pk
    notes = Notification.objects.filter(kind="league_published")
    assert notes.filter(recipient=org["east_rep"]).exists()
    assert notes.filter(recipient=org["east_manager"]).exists()  # the managers of the ranked
    assert services.league_publish_due(now=at(1, month=12, hour=10)) == 0  # once


def test_the_demo_step_publishes_last_month(org: Any) -> None:
    from guanxi.analytics.providers import _demo

    stages = pipeline()
    customers(org["east_rep"], 2, when=at(3))
    opportunities(org["east_rep"], 1, when=at(4), stages=stages)
    _demo(now=at(6, month=12), result=None, gen=None, progress=None)
    assert LeaguePublication.objects.filter(month=NOVEMBER, kind="staff").exists()


def test_someone_who_joined_after_the_month_is_not_ranked_in_it(org: Any) -> None:
    stages = pipeline()
    newcomer = org["east_rep2"]
    customers(newcomer, 3, when=at(2, month=12))
    opportunities(org["east_rep"], 1, when=at(4), stages=stages)
    joined_december = at(1, month=12, hour=9)
    type(newcomer).objects.filter(pk=newcomer.pk).update(date_joined=joined_december)

    ranked = {r.user_id for r in ranking.league_compute(window=NOV, now=at(30)).rows}

    assert org["east_rep"].pk in ranked and newcomer.pk not in ranked
    december = window_for("month", at(1, month=12).date())
    assert newcomer.pk in {r.user_id for r in ranking.league_compute(window=december, now=at(31, month=12)).rows}


def test_a_fresh_install_does_not_publish_a_month_it_did_not_exist_in(org: Any) -> None:
    stages = pipeline()
    customers(org["east_rep"], 20, when=at(3))  # imported with November dates
    opportunities(org["east_rep"], 5, when=at(4), stages=stages)
    joined(at(1, month=12, hour=8))  # the install and its people began on 1 December

    assert services.league_publish_due(now=at(1, month=12, hour=9)) == 0
    assert not LeaguePublication.objects.exists()
    assert not Notification.objects.filter(kind="league_published").exists()


def test_a_months_league_is_ranked_once_a_while_with_its_age_and_refresh_ranks_it_again(
    org: Any, settings: Any, client: Any
) -> None:
    from django.core.cache import cache
    from django.utils import timezone

    settings.GUANXI_ANALYTICS_CACHE_SECONDS = 600
    cache.clear()
    customers(org["east_rep"], 2, when=at(5))
    reader = org["east_manager"]
    first = ranking.league_for(user=reader, window=NOV)
    assert _row(first, org["east_rep"]).values["new_customers"] == 2
    # a customer dated back into November: the cached league keeps its figures and its time
    customers(org["east_rep"], 1, when=at(6))
    again = ranking.league_for(user=reader, window=NOV)
    assert _row(again, org["east_rep"]).values["new_customers"] == 2 and again.computed_at == first.computed_at
    # the page says when its figures were computed
    client.force_login(reader)
    assert 'id="league-computed"' in client.get("/analytics/league/?month=2026-11").content.decode()
    # changing the rules computes anew
    services.league_policy_update(actor=org["admin"], data={"min_new_customers": "19"})
    assert _row(ranking.league_for(user=reader, window=NOV), org["east_rep"]).values["new_customers"] == 3
    # the running month too is ranked once a while, not per visit (the dashboard widget reads it: no ranking query)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guanxi.analytics import dashboard

    running = selectors.window_for("month", timezone.localdate())
    ranked = ranking.league_for(user=reader, window=running).computed_at
    with CaptureQueriesContext(connection) as ctx:
        widget = dashboard._league(reader, running, "team")
    assert widget["computed_at"] == ranked
    assert not [q for q in ctx.captured_queries if "customers_customer" in q["sql"]]
    # and the Refresh button ranks it again now, back on the page it came from
    customers(org["east_rep"], 1, when=timezone.now())
    url = f"/analytics/league/?month={running.date_from:%Y-%m}"
    response = client.post("/analytics/refresh/", {"next": url, "month": f"{running.date_from:%Y-%m}"})
    assert response.status_code == 302 and response["Location"] == url
    fresh = ranking.league_for(user=reader, window=running)
    assert fresh.computed_at != ranked and _row(fresh, org["east_rep"]).values["new_customers"] == 1
    # a page elsewhere is not where it goes back to
    response = client.post("/analytics/refresh/", {"next": "https://evil.example/analytics/"})
    assert response["Location"] == "/analytics/dashboard/"
    cache.clear()


def test_a_published_league_is_read_from_its_stored_rows_never_ranked_again(org: Any) -> None:
    from django.utils import translation

    # given November published with east_rep at 20 new customers and east_rep2 flagged at 1
    joined()
    customers(org["east_rep"], 20, when=at(3))
    customers(org["east_rep2"], 1, when=at(3))
    services.league_publish(window=NOV, now=at(1, month=12))
    published = ranking.league_compute(window=NOV)
    # when more November customers are dated back and the rules change after publication
    customers(org["east_rep2"], 30, when=at(4))
    services.league_policy_update(actor=org["admin"], data={"min_new_customers": "40", "weight_new_customers": "90"})
    # then the league read is the published one: its ranks, figures, weights and the minimum of its day
    league = ranking.league_for(user=org["east_manager"], window=NOV)
    assert league.published is not None and league.computed_at == league.published.published_at
    row = _row(league, org["east_rep2"])
    assert row.values["new_customers"] == 1 and row.rank == _row(published, org["east_rep2"]).rank
    assert dict((k, w) for k, _l, w in league.measures)["new_customers"] == 25
    assert row.flag_keys[0] == "new_customers"
    with translation.override("en"):
        en = ranking.league_for(user=org["east_manager"], window=NOV)
    with translation.override("zh-hans"):
        zh = ranking.league_for(user=org["east_manager"], window=NOV)
    assert _row(en, org["east_rep2"]).flags[0] == "1 new customers, below the minimum of 20"
    assert _row(zh, org["east_rep2"]).flags[0] != _row(en, org["east_rep2"]).flags[0]  # in the reader's language
    # and reading it counts no customer (no ranking query)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        ranking.league_for(user=org["east_manager"], window=NOV)
    assert not [q for q in ctx.captured_queries if "customers_customer" in q["sql"]]


def test_the_api_gives_a_published_leagues_own_weights_and_minimums_and_when_it_was_ranked(
    org: Any, client: Any
) -> None:
    joined()
    customers(org["east_rep"], 20, when=at(3))
    services.league_publish(window=NOV, now=at(1, month=12))
    services.league_policy_update(actor=org["admin"], data={"min_new_customers": "40", "weight_new_customers": "90"})
    client.force_login(org["east_manager"])
    body = client.get("/api/v1/analytics/league?month=2026-11").json()
    assert body["minimums"]["new_customers"] == 20 and body["weights"]["new_customers"] == 25
    assert body["computed_at"] == body["published_at"] is not None
    page = client.get("/analytics/league/?month=2026-11").content.decode()
    assert "20 new customers" in page or "新增客户 20 个" in page
    # a month not published: the rules of now, and when it was ranked
    body = client.get("/api/v1/analytics/league?month=2026-10").json()
    assert body["minimums"]["new_customers"] == 40 and body["weights"]["new_customers"] == 90
    assert body["published_at"] is None and body["computed_at"]
