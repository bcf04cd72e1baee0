"""The kanban board's bounded columns: the first cards of each stage, "load more" for the next (in the board's
order, scope and filters, never a card twice), counts and totals over every deal of the stage from one grouped
query on the board index, and a constant number of queries."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.org.lists.testing import query_plan
from guanxi.sales.models import Opportunity
from guanxi.sales.opportunities import selectors
from guanxi.sales.tests.test_opportunities_views import client_for, make_deals

pytestmark = pytest.mark.django_db

BOARD = "/sales/opportunities/board/"


def _card_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'class="card card-sm mb-2 gx-board-card[^"]*" data-id="(\d+)"', html)]


def _more_url(html: str) -> str | None:
    found = re.search(r'gx-board-more"[^>]*hx-get="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.fixture
def three_per_column(monkeypatch):
    monkeypatch.setattr(selectors, "PER_COLUMN", 3)


def test_a_column_shows_its_first_cards_and_loads_the_rest_a_batch_at_a_time(org, three_per_column):
    # given eight deals of east_rep in the first stage and one of east_rep2
    mine = make_deals(org, 8)
    make_deals(org, 1, owner_key="east_rep2")
    client = client_for(org["east_rep"])
    # when the rep opens the board
    html = client.get(BOARD).content.decode()
    # then the column counts and sums all eight, but shows three cards and offers the other five
    shown = _card_ids(html)
    assert len(shown) == 3
    assert "data-count>8<" in html
    assert Decimal(re.findall(r'data-total="([^"]+)"', html)[0]) == Decimal("1234567.5") * 8
    assert "5 more" in html
    # and "load more" brings the next three, then the last two, in the board's order, without repeats
    seen = list(shown)
    url = _more_url(html)
    for _batch in range(5):
        if not url:
            break
        fragment = client.get(url, HTTP_HX_REQUEST="true")
        assert fragment.status_code == 200
        part = fragment.content.decode()
        seen += _card_ids(part)
        url = _more_url(part)
    order = list(
        Opportunity.objects.filter(owner=org["east_rep"]).order_by(*selectors.CARD_ORDER).values_list("pk", flat=True)
    )
    assert seen == order and sorted(seen) == sorted(o.pk for o in mine)


def test_loaded_cards_keep_the_board_filters_and_the_readers_scope(org, three_per_column):
    make_deals(org, 5)
    theirs = make_deals(org, 5, owner_key="east_rep2")
    manager = client_for(org["east_manager"])
    # when the manager filters the board on east_rep2 and loads the rest of the column
    html = manager.get(BOARD, {"owner": org["east_rep2"].pk}).content.decode()
    rest = manager.get(_more_url(html)).content.decode()
    # then only east_rep2's deals come
    assert sorted(_card_ids(html) + _card_ids(rest)) == sorted(o.pk for o in theirs)
    # and a rep asking for the same column sees none of east_rep2's deals
    rep = client_for(org["east_rep"])
    url = _more_url(html).replace(f"owner={org['east_rep2'].pk}", "")
    assert not set(_card_ids(rep.get(url).content.decode())) & {o.pk for o in theirs}


def test_a_bad_load_more_request_is_a_clear_answer_not_a_500(org):
    client = client_for(org["east_rep"])
    assert client.get("/sales/opportunities/board/cards/").status_code == 404
    assert client.get("/sales/opportunities/board/cards/?stage=abc").status_code == 404
    assert client.get("/sales/opportunities/board/cards/?stage=999999").status_code == 404
    make_deals(org, 1)
    stage = Opportunity.objects.get().stage_id
    assert client.get(f"/sales/opportunities/board/cards/?stage={stage}&after=yesterday~x").status_code == 200


def test_loading_more_costs_the_same_queries_for_a_few_cards_or_many(org, three_per_column):
    client = client_for(org["east_rep"])
    make_deals(org, 4)
    stage = Opportunity.objects.first().stage_id
    url = f"/sales/opportunities/board/cards/?stage={stage}"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    make_deals(org, 10)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(few.captured_queries) == len(many.captured_queries)


def test_the_column_totals_and_first_cards_read_the_board_index(org):
    make_deals(org, 2)
    pipeline = Opportunity.objects.first().pipeline
    qs = Opportunity.objects.filter(pipeline=pipeline, status=Opportunity.Status.OPEN)
    totals = qs.order_by().values("stage_id").annotate(n=selectors.Count("id"), total=selectors.Sum("amount"))
    plan = query_plan(totals)
    # the groups come from an index in stage order, never a sort or hash of the deals; on a test's handful of rows
    # PostgreSQL may price the stage index the same as the board index, both giving the groups in order
    assert any(index in plan for index in ("opportunity_board_idx", "sales_opportunity_stage_id")), plan
    assert "Sort  (" not in plan and "HashAggregate" not in plan and "TEMP B-TREE FOR GROUP BY" not in plan, plan
    cards = qs.filter(stage_id=Opportunity.objects.first().stage_id).order_by(*selectors.CARD_ORDER)[:20]
    plan = query_plan(cards)
    assert "opportunity_board_idx" in plan and "TEMP B-TREE" not in plan and "Sort  (" not in plan, plan


def test_the_first_cards_are_fetched_by_one_union_of_the_columns_where_the_database_allows_it(org):
    # given open deals of a rep
    make_deals(org, 3)
    with CaptureQueriesContext(connection) as ctx:
        board = selectors.opportunity_board(user=org["east_rep"], filters={})
    cards_sql = next(q["sql"] for q in ctx.captured_queries if "stage_entered_at" in q["sql"] and " IN (" in q["sql"])
    # then on PostgreSQL the cards' ids are one UNION ALL of each column's LIMITed part (an OR of `id IN (…)` made
    # it test every deal against each column: a sequential scan, 775 ms of the board's SQL at 100,000 deals);
    # SQLite, which allows no LIMIT inside a UNION, keeps the OR
    if connection.features.supports_slicing_ordering_in_compound:
        assert "UNION ALL" in cards_sql, cards_sql
    else:
        assert "UNION ALL" not in cards_sql, cards_sql
    # and every column still shows its cards
    shown = sorted(c.pk for column in board["columns"] for c in column["cards"])
    assert shown == sorted(Opportunity.objects.filter(status=Opportunity.Status.OPEN).values_list("pk", flat=True))


def test_a_reps_column_shows_the_first_cards_of_their_own_deals_and_collaborations_together(org, three_per_column):
    # given a rep's own deals and deals of a colleague they collaborate on, their times in the stage interleaved
    mine = make_deals(org, 4)
    theirs = make_deals(org, 4, owner_key="east_rep2")
    for deal in theirs[:3]:
        deal.collaborators.add(org["east_rep"])
    start = timezone.now() - dt.timedelta(days=30)
    for n, deal in enumerate([d for pair in zip(mine, theirs, strict=True) for d in pair]):
        Opportunity.objects.filter(pk=deal.pk).update(stage_entered_at=start + dt.timedelta(hours=n))
    # when the rep opens the board and loads the rest of the column
    board = selectors.opportunity_board(user=org["east_rep"], filters={})
    column = board["columns"][0]
    expected = [
        d.pk for d in sorted([*mine, *theirs[:3]], key=lambda d: Opportunity.objects.get(pk=d.pk).stage_entered_at)
    ]
    first = [c.pk for c in column["cards"]]
    rest = selectors.opportunity_board_cards(user=org["east_rep"], filters={}, stage_id=column["stage"].pk, after=None)
    # then the column shows the first three of both in the board's order, counts all seven, and loads the same three
    assert first == expected[:3]
    assert column["count"] == 7 and column["more"] == 4
    assert [c.pk for c in rest["cards"]] == expected[:3] and rest["more"]
    last = Opportunity.objects.get(pk=expected[2])
    after = selectors.opportunity_board_cards(
        user=org["east_rep"], filters={}, stage_id=column["stage"].pk, after=(last.stage_entered_at, last.pk)
    )
    assert [c.pk for c in after["cards"]] == expected[3:6] and after["more"]
