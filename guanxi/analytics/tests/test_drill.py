"""Drill-down everywhere (issue 16): each counted figure of the dashboard and the monthly report links to the list
of the records behind it, and that list (the same filters, the reader's own data scope) counts the figure."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from guanxi.analytics import dashboard, ranking, report, selectors
from guanxi.analytics.selectors import window_for
from guanxi.org.lists.registry import rows_behind

from .helpers import NOVEMBER, at, customers, follow_ups, joined, opportunities, pipeline

pytestmark = pytest.mark.django_db
NOV = window_for("month", NOVEMBER)
# Figures that count rows of a list (a money figure sums them; a ratio divides; funnel progress opens the funnel).
LISTED = {"new_customers", "follow_ups", "new_leads", "new_opportunities", "won_count", "lost_count"}


@pytest.fixture
def data(org: Any) -> Any:
    joined()
    stages = pipeline()
    for rep, n in ((org["east_rep"], 4), (org["east_rep2"], 3), (org["team_rep"], 2), (org["west_rep"], 5)):
        made = customers(rep, n, when=at(3), level="A" if n % 2 else "B")
        opportunities(rep, n - 1, when=at(4), stages=stages)
        follow_ups(rep, made[0], n, when=at(5))
    return org


def _checked(user: Any, rows: list[tuple[str, Decimal, str]]) -> int:
    checked = 0
    for key, value, url in rows:
        if key in LISTED and url:
            assert rows_behind(user, url).count() == value, (key, url)
            checked += 1
    return checked


@pytest.mark.parametrize(
    ("person", "scope"),
    [("east_manager", "me"), ("east_manager", "team"), ("east_manager", "department"), ("executive", "company")],
)
def test_each_dashboard_figure_equals_its_list(data: Any, person: str, scope: str) -> None:
    manager = data[person]  # the company scope is an executive's: a department manager is not offered it
    assert scope in dict(selectors.scope_choices(manager))
    rows = selectors.figures(user=manager, window=NOV, scope=scope)
    assert _checked(manager, [(r.metric.key, r.value, r.url) for r in rows]) >= 3
    for key in ("new_customers", "new_opportunities"):
        metric = selectors.metric_get(manager, key)
        by_owner, _total = selectors.breakdown(user=manager, metric=metric, window=NOV, group_by="owner", scope=scope)
        assert _checked(manager, [(key, r.value, r.url) for r in by_owner]) == len(by_owner)


def test_the_dashboard_widgets_link_to_the_rows_they_count(data: Any) -> None:
    manager = data["east_manager"]
    for scope in ("team", "company"):
        forgotten = dashboard._forgotten(manager, NOV, scope)
        assert rows_behind(manager, forgotten["url"]).count() == forgotten["count"]
        closing = dashboard._closing(manager, NOV, scope)
        assert rows_behind(manager, closing["url"]).count() == closing["count"]


def test_each_report_figure_equals_its_list(data: Any) -> None:
    executive = data["executive"]
    month = report.monthly_report(user=executive, window=NOV)
    cells = [(key, c.value, c.url) for p in month.people for key, c in p["cells"].items()]
    assert _checked(executive, cells) >= 8
    levels = [("new_customers", c.value, c.url) for p in month.people for c in p["levels"]]
    # customers by level: the customers owned at the month's end (all made in November here)
    assert _checked(executive, levels) == len(levels) > 0
    assert _checked(executive, [(r.metric.key, r.value, r.url) for r in month.summary]) >= 2


@pytest.mark.parametrize("key", sorted(LISTED | {"customers_by_level"}))
def test_each_department_breakdown_row_equals_its_list(data: Any, key: str) -> None:
    # given a follow-up logged by an east rep on a customer of the west department (the author's department and the
    # customer's differ), and the executive reading the figure by department
    follow_ups(data["east_rep"], customers(data["west_rep"], 1, when=at(3))[0], 2, when=at(6))
    executive = data["executive"]
    metric = selectors.metric_get(executive, key)
    if "department" not in metric.groupings:
        pytest.skip("not grouped by department")
    rows, _total = selectors.breakdown(
        user=executive, metric=metric, window=NOV, group_by="department", scope="company"
    )
    # then each department's figure is the count of the list it links to (the same department)
    assert _checked(executive, [(key if key in LISTED else "new_customers", r.value, r.url) for r in rows]) == len(rows)


@pytest.mark.parametrize("person", ["east_rep", "east_manager", "executive"])
def test_each_league_figure_links_to_its_list(client: Any, data: Any, person: str) -> None:
    # given the November league read by a rep (their own row), a department manager and an executive
    from guanxi.analytics.views import _league_table

    reader = data[person]
    league = ranking.league_compute(window=NOV)
    visible = ranking.league_visible_ids(reader)
    rows = [r for r in league.rows if visible is None or r.user_id in visible]
    assert rows
    # then every counted figure of each row the reader sees is the count of the list it links to, a zero links nowhere
    checked = flagged = 0
    for row, cells, flags in _league_table(rows, league.measures, NOV):
        for (key, _label, _w), cell in zip(league.measures, cells, strict=True):
            assert bool(cell["url"]) == bool(cell["value"]), (key, cell)
            if key in LISTED and cell["url"]:
                assert rows_behind(reader, cell["url"]).count() == cell["value"], (person, row.name, key)
                checked += 1
        # each "below minimum" flag links to the few records the person has (all under the minimum of 20 / 5 here)
        assert [f["text"] for f in flags] == row.flags
        for flag, key in zip(flags, row.flag_keys, strict=True):
            assert rows_behind(reader, flag["url"]).count() == row.values[key], (person, row.name, key)
            flagged += 1
    assert checked >= len(rows)
    assert flagged >= len(rows)
    # and the page shows them as links
    client.force_login(reader)
    page = client.get("/analytics/league/?month=2026-11").content.decode()
    assert 'title="The records behind this figure"' in page
    assert 'class="badge bg-yellow-lt me-1 gx-flag" href="/customers/?' in page


def test_the_lost_deals_with_no_reason_given_link_to_exactly_those_deals(data: Any) -> None:
    # given November's lost deals of an east rep: two lost for a reason, one with no reason given, and one won
    from guanxi.sales.opportunities.models import LostReason, Opportunity

    reason = LostReason.objects.create(name="Issue 16 reason")
    deals = list(Opportunity.objects.filter(owner=data["east_rep"]).order_by("pk"))
    assert len(deals) == 3
    for deal, status, why in zip(deals, ("lost", "lost", "won"), (reason, None, None), strict=True):
        Opportunity.objects.filter(pk=deal.pk).update(status=status, lost_reason=why, closed_at=at(10))
    stages = {"pipeline": deals[0].pipeline, "A": deals[0].stage}
    extra = opportunities(data["east_rep"], 1, when=at(4), stages=stages)[0]
    Opportunity.objects.filter(pk=extra.pk).update(status="lost", lost_reason=reason, closed_at=at(11))
    executive = data["executive"]
    # when the executive reads the monthly report and the lost deals by reason
    month = report.monthly_report(user=executive, window=NOV)
    labels = [str(label) for _r, label in month.reasons]
    assert labels == ["Issue 16 reason", "No reason given"]
    rep = next(p for p in month.people if p["id"] == data["east_rep"].pk)
    # then each reason cell of the rep, "no reason given" included, lists exactly the deals it counts
    assert [c.value for c in rep["reasons"]] == [2, 1]
    for cell in rep["reasons"]:
        assert cell.url
        assert rows_behind(executive, cell.url).count() == cell.value, cell.url
    no_reason = rows_behind(executive, rep["reasons"][1].url)
    assert list(no_reason.values_list("pk", flat=True)) == [deals[1].pk]
    # and so does the figure's own breakdown by reason (its "no reason given" row is not every lost deal)
    metric = selectors.metric_get(executive, "lost_count")
    rows, total = selectors.breakdown(user=executive, metric=metric, window=NOV, group_by="reason", scope="company")
    assert total == 3 and sorted(r.value for r in rows) == [1, 2]
    for row in rows:
        assert rows_behind(executive, row.url).count() == row.value, row.url


def test_a_department_managers_report_summary_covers_the_people_of_its_tables(data: Any) -> None:
    # given the east department's manager reading November's report (their reps made 4, 3 and 2 new customers)
    manager = data["east_manager"]
    month = report.monthly_report(user=manager, window=NOV)
    people = sum((p["cells"]["new_customers"].value for p in month.people), Decimal(0))
    summary = {r.metric.key: r for r in month.summary}
    # then the summary's new customers are the department's, as its table's people (not the manager's own 0)
    assert people == 9
    assert summary["new_customers"].value == people
    assert rows_behind(manager, summary["new_customers"].url).count() == people
