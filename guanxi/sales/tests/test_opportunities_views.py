"""Opportunity pages: the kanban board (and its query count), the list, the detail page, the move endpoint
and the customer 360 tab."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.models import Opportunity, Stage, StageChange
from guanxi.sales.opportunities import services

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_deals(org, count: int, owner_key: str = "east_rep") -> list[Opportunity]:
    customer = CustomerFactory(owner=org[owner_key])
    return [
        services.opportunity_create(
            actor=org[owner_key], customer=customer, data={"name": f"项目{i}", "amount": "1234567.5"}
        )
        for i in range(count)
    ]


def board_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/sales/opportunities/board/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_board_shows_columns_with_totals_and_cards(org):
    # given two deals of 1,234,567.50 in the first stage
    make_deals(org, 2)
    # when the rep opens the board
    html = client_for(org["east_rep"]).get("/sales/opportunities/board/").content.decode()
    # then the first column counts them and sums their amount (with separators), weighted by the probability
    assert "项目0" in html and "项目1" in html
    text = re.sub(r"<[^>]+>", "", html)  # the figures sit in spans the board's script updates after a drop
    assert "¥2,469,135.00" in text and "weighted ¥246,913.50" in text
    # and the raw figures the script starts from (PostgreSQL writes 2469135.00, SQLite 2469135)
    assert Decimal(re.findall(r'data-total="([^"]+)"', html)[0]) == Decimal("2469135")
    assert Decimal(re.findall(r'data-weighted="([^"]+)"', html)[0]) == Decimal("246913.5")
    assert "Move to…" in html


def test_board_weighs_a_whole_yuan_amount_to_the_cent(org):
    # given a deal of a whole 12,345 yuan at 33 % (SQLite keeps such an amount as an integer)
    deal = make_deals(org, 1)[0]
    Opportunity.objects.filter(pk=deal.pk).update(amount=Decimal("12345"), probability=33)
    # when the rep opens the board, the column's weighted amount is 4,073.85, not 4,073 (an integer division)
    html = client_for(org["east_rep"]).get("/sales/opportunities/board/").content.decode()
    assert Decimal(re.findall(r'data-weighted="([^"]+)"', html)[0]) == Decimal("4073.85")


def test_board_query_count_does_not_grow_with_the_cards(org):
    # given a board with 3 cards, then one with 30
    client = client_for(org["east_rep"])
    make_deals(org, 3)
    board_queries(client)  # a session's first request writes its last-seen stamp; the next ones do not
    few = board_queries(client)
    make_deals(org, 27)
    many = board_queries(client)
    # then the page costs the same number of queries
    assert few == many


def test_a_cards_won_buttons_submit_its_one_won_form(org):
    # given a deal on the board
    deal = make_deals(org, 1)[0]
    client = client_for(org["east_rep"])
    html = client.get("/sales/opportunities/board/").content.decode()
    # then the card's two "won" buttons (the compact board's menu, the action row) name one form, which posts to the
    # deal's win address with the page's CSRF token and the board to come back to
    assert html.count(f'form="win-{deal.pk}"') == 2
    form = re.search(rf'<form id="win-{deal.pk}" method="post" action="([^"]+)" hidden>(.*?)</form>', html)
    assert form is not None and form[1] == f"/sales/opportunities/{deal.pk}/win/"
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form[2]))
    assert set(fields) == {"csrfmiddlewaretoken", "next"}
    # when it is submitted, the deal is won and the rep is back on the board
    response = client.post(form[1], {"next": fields["next"]})
    assert response.status_code == 302 and response["Location"].startswith("/sales/opportunities/board/")
    assert Opportunity.objects.get(pk=deal.pk).status == Opportunity.Status.WON


def test_board_and_list_survive_bad_filters(org):
    # given bad filter values, when the pages are opened, then they answer 200 and show the problem
    client = client_for(org["east_rep"])
    bad = "?owner=abc&close_from=2024-13-40&amount_min=lots&pipeline=99999999999999999999&page=x&sort=nope"
    assert client.get("/sales/opportunities/board/" + bad).status_code == 200
    response = client.get("/sales/opportunities/" + bad)
    assert response.status_code == 200
    # the list says which values it left out, by the field's name
    warnings = " ".join(str(w) for w in response.context["warnings"])
    assert "Expected signing date" in warnings and "Min. amount" in warnings and "Owner" in warnings


def test_move_endpoint_moves_and_refuses_as_json(org):
    # given a deal and a second stage that requires a signing date
    opp = make_deals(org, 1)[0]
    stages = list(opp.pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("sort_order"))
    stages[2].required_fields = ["expected_close_date"]
    stages[2].save()
    client = client_for(org["east_rep"])
    url = f"/sales/opportunities/{opp.pk}/move/"
    # when it is dragged to the second stage, then it moves
    ok = client.post(url, {"stage": stages[1].pk, "version": opp.version}, headers={"accept": "application/json"})
    assert ok.status_code == 200 and ok.json()["ok"] is True
    # when it is dragged to the third, then the move is refused with the field named
    refused = client.post(url, {"stage": stages[2].pk}, headers={"accept": "application/json"})
    assert refused.status_code == 400 and "expected signing date" in refused.json()["message"]
    opp.refresh_from_db()
    assert opp.stage == stages[1]


def test_rep_cannot_move_another_reps_deal_through_the_page(org):
    # given east_rep2's deal
    opp = make_deals(org, 1, "east_rep2")[0]
    second = opp.pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("sort_order")[1]
    # when east_rep posts a move, then it is not found and nothing changed
    response = client_for(org["east_rep"]).post(f"/sales/opportunities/{opp.pk}/move/", {"stage": second.pk})
    assert response.status_code == 404
    opp.refresh_from_db()
    assert opp.stage != second and StageChange.objects.filter(opportunity=opp).count() == 1


def test_detail_page_shows_the_stage_history(org):
    # given a deal moved once
    opp = make_deals(org, 1)[0]
    second = opp.pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("sort_order")[1]
    services.opportunity_move_stage(actor=org["east_rep"], opportunity=opp, stage=second)
    # when its page is opened, then both history rows are there
    response = client_for(org["east_rep"]).get(f"/sales/opportunities/{opp.pk}/")
    html = response.content.decode()
    assert response.status_code == 200 and html.count('<td data-label="To">') == 2
    assert "Needs confirmed" in html


def test_create_form_prefills_the_customer_and_creates(org):
    # given a rep's customer
    customer = CustomerFactory(owner=org["east_rep"])
    client = client_for(org["east_rep"])
    # when the form is opened from the customer, then the customer is chosen
    page = client.get(f"/sales/opportunities/new/?customer={customer.pk}")
    assert page.status_code == 200 and page.context["form"].initial["customer"] == customer.pk
    # when it is posted, then the deal exists
    response = client.post(
        "/sales/opportunities/new/",
        {"customer": customer.pk, "name": "新项目", "amount": "10", "source": "customer"},
    )
    assert response.status_code == 302 and Opportunity.objects.get().name == "新项目"


def test_create_form_refuses_a_customer_out_of_reach(org):
    # given another rep's customer, when east_rep posts a deal for it, then the form refuses and nothing is saved
    customer = CustomerFactory(owner=org["west_rep"])
    response = client_for(org["east_rep"]).post(
        "/sales/opportunities/new/", {"customer": customer.pk, "amount": "10", "source": "customer"}
    )
    assert response.status_code == 400 and not Opportunity.objects.exists()


def test_customer_360_tab_lists_the_customers_deals(org):
    # given a deal on a customer
    opp = make_deals(org, 1)[0]
    # when the customer's page is opened, then the opportunities tab shows the deal and its stage
    html = client_for(org["east_rep"]).get(f"/customers/{opp.customer_id}/").content.decode()
    assert "项目0" in html and f"/sales/opportunities/{opp.pk}/" in html and "Initial contact" in html


def test_user_without_permission_gets_403(org):
    # given a user with no role, when they open the board, then it is forbidden
    assert client_for(org["nobody"]).get("/sales/opportunities/board/").status_code == 403
