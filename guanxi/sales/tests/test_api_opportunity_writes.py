"""The opportunity write API: create, edit with If-Match, move, close and confirm, within the data scope."""

from __future__ import annotations

from typing import Any

import pytest

from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.models import Competitor, LostReason, Opportunity, Stage, StageChange
from guanxi.sales.opportunities import services

pytestmark = pytest.mark.django_db


def deal(org: Any, key: str = "east_rep", **data: Any) -> Opportunity:
    customer = CustomerFactory(owner=org[key])
    return services.opportunity_create(actor=org[key], customer=customer, data={"name": "云帆", **data})


def open_stages(opp: Opportunity) -> list[Stage]:
    return list(opp.pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("sort_order", "id"))


def test_create_puts_the_deal_in_the_first_stage(org: Any, api_as: Any) -> None:
    # given a rep's customer
    customer = CustomerFactory(owner=org["east_rep"])
    client = api_as(org["east_rep"])

    # when the rep creates a deal twice with the same idempotency key
    body = {"customer_id": customer.pk, "name": "ERP 项目", "amount": "120000.50"}
    first = client.call("post", "/opportunities", body, headers={"Idempotency-Key": "k-1"})
    again = client.call("post", "/opportunities", body, headers={"Idempotency-Key": "k-1"})

    # then one deal exists, in the first open stage, with its first stage change
    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    opp = Opportunity.objects.get()
    assert opp.name == "ERP 项目" and str(opp.amount) == "120000.50" and opp.owner == org["east_rep"]
    assert opp.stage == open_stages(opp)[0]
    assert first["ETag"] == f'"{opp.version}"'
    assert [h["to_stage"]["id"] for h in first.json()["stage_history"]] == [opp.stage_id]


def test_create_for_an_unseen_customer_names_the_field(org: Any, api_as: Any) -> None:
    # given a customer of another team
    customer = CustomerFactory(owner=org["west_rep"])

    # when east_rep tries to open a deal for it
    resp = api_as(org["east_rep"]).call("post", "/opportunities", {"customer_id": customer.pk})

    # then it is refused on customer_id and nothing is written
    assert resp.status_code == 400
    assert "customer_id" in resp.json()["error"]["fields"]
    assert not Opportunity.objects.exists()


def test_patch_with_if_match_and_stale_version(org: Any, api_as: Any) -> None:
    # given a deal at version v
    opp = deal(org)
    client = api_as(org["east_rep"])

    # when the rep edits it with the right version, then again with the old one
    ok = client.call(
        "patch", f"/opportunities/{opp.pk}", {"next_step": "演示"}, headers={"If-Match": f'"{opp.version}"'}
    )
    stale = client.call(
        "patch", f"/opportunities/{opp.pk}", {"next_step": "报价"}, headers={"If-Match": f'"{opp.version}"'}
    )

    # then the first is saved and the second refused with 412, leaving the first change
    assert ok.status_code == 200 and ok.json()["next_step"] == "演示"
    assert stale.status_code == 412
    assert Opportunity.objects.get(pk=opp.pk).next_step == "演示"


def test_rep_gets_404_on_another_reps_deal_and_nothing_changes(org: Any, api_as: Any) -> None:
    # given a deal of east_rep2
    opp = deal(org, "east_rep2", amount="500")
    client = api_as(org["east_rep"])
    stage = open_stages(opp)[1]

    # when east_rep tries to edit, move and close it
    responses = [
        client.call("patch", f"/opportunities/{opp.pk}", {"amount": "1"}),
        client.call("post", f"/opportunities/{opp.pk}/move", {"stage_id": stage.pk}),
        client.call("post", f"/opportunities/{opp.pk}/close", {"outcome": "won"}),
    ]

    # then each is a 404 and the deal is untouched
    assert [r.status_code for r in responses] == [404, 404, 404]
    fresh = Opportunity.objects.get(pk=opp.pk)
    assert (fresh.amount, fresh.stage_id, fresh.status, fresh.version) == (
        opp.amount,
        opp.stage_id,
        "open",
        opp.version,
    )
    assert StageChange.objects.filter(opportunity=opp).count() == 1


def test_move_honours_if_match(org: Any, api_as: Any) -> None:
    # given a deal and its second open stage
    opp = deal(org)
    client = api_as(org["east_rep"])
    stages = open_stages(opp)
    second = next(s for s in stages[1:] if not s.required_fields)

    # when moved with a stale version, then with the current one
    stale = client.call("post", f"/opportunities/{opp.pk}/move", {"stage_id": second.pk}, headers={"If-Match": '"999"'})
    moved = client.call(
        "post", f"/opportunities/{opp.pk}/move", {"stage_id": second.pk}, headers={"If-Match": f'"{opp.version}"'}
    )

    # then the stale move is a 412 and the good one moves it, recording the change
    assert stale.status_code == 412
    assert moved.status_code == 200, moved.content
    assert moved.json()["stage"]["id"] == second.pk
    assert StageChange.objects.filter(opportunity=opp).count() == 2


def test_move_to_an_unknown_stage_names_the_field(org: Any, api_as: Any) -> None:
    # given a deal
    opp = deal(org)
    # when moved to a stage id that does not exist
    resp = api_as(org["east_rep"]).call("post", f"/opportunities/{opp.pk}/move", {"stage_id": 987654})
    # then it is a 400 on stage_id and the deal stays put
    assert resp.status_code == 400 and "stage_id" in resp.json()["error"]["fields"]
    assert Opportunity.objects.get(pk=opp.pk).stage_id == opp.stage_id


def test_lost_without_reason_is_refused_naming_the_field(org: Any, api_as: Any) -> None:
    # given an open deal
    opp = deal(org)
    # when closed lost without a reason
    resp = api_as(org["east_rep"]).call("post", f"/opportunities/{opp.pk}/close", {"outcome": "lost"})
    # then a 400 names lost_reason_id and the deal stays open
    assert resp.status_code == 400
    assert "lost_reason_id" in resp.json()["error"]["fields"]
    assert Opportunity.objects.get(pk=opp.pk).status == "open"


def test_close_lost_then_manager_confirms(org: Any, api_as: Any) -> None:
    # given an open deal, a lost reason and a competitor
    opp = deal(org)
    reason = LostReason.objects.filter(is_active=True).first()
    rival = Competitor.objects.create(name="对手软件")

    # when the rep closes it lost, the rep tries to confirm, and the manager confirms
    closed = api_as(org["east_rep"]).call(
        "post",
        f"/opportunities/{opp.pk}/close",
        {"outcome": "lost", "lost_reason_id": reason.pk, "lost_to_id": rival.pk, "note": "价格太高"},
        headers={"If-Match": f'"{opp.version}"'},
    )
    by_rep = api_as(org["east_rep"]).call("post", f"/opportunities/{opp.pk}/confirm-close")
    by_manager = api_as(org["east_manager"]).call("post", f"/opportunities/{opp.pk}/confirm-close")

    # then it is lost with the reason and rival; only the manager's confirmation counts
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "lost"
    assert by_rep.status_code in (403, 404)
    assert by_manager.status_code == 200
    fresh = Opportunity.objects.get(pk=opp.pk)
    assert (fresh.lost_reason, fresh.lost_to, fresh.close_note) == (reason, rival, "价格太高")
    assert fresh.close_confirmed_by == org["east_manager"]


def test_close_won(org: Any, api_as: Any) -> None:
    # given an open deal
    opp = deal(org)
    # when closed won
    resp = api_as(org["east_rep"]).call("post", f"/opportunities/{opp.pk}/close", {"outcome": "won"})
    # then it is won and sits in the won stage
    assert resp.status_code == 200
    fresh = Opportunity.objects.get(pk=opp.pk)
    assert fresh.status == "won" and fresh.stage.kind == Stage.Kind.WON
