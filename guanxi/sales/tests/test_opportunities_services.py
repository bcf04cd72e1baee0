"""Opportunity services: creation in the first stage, stage moves with their history, required fields, closing,
and the data scope of a rep."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from guanxi.core.errors import NotFoundError, ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.customers.models import Customer, FollowUp
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.leads import services as lead_services
from guanxi.sales.models import LostReason, Opportunity, OpportunityActivity, Stage, StageChange
from guanxi.sales.opportunities import services as opportunity_services
from guanxi.sales.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def open_stages(opp: Opportunity) -> list[Stage]:
    return list(opp.pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("sort_order", "id"))


def new_opportunity(org, user_key: str = "east_rep", **data) -> Opportunity:
    customer = CustomerFactory(owner=org[user_key])
    return opportunity_services.opportunity_create(
        actor=org[user_key], customer=customer, data={"name": "云帆 CRM", "amount": "100000", **data}
    )


def test_create_puts_the_deal_in_the_first_open_stage_and_writes_the_first_stage_change(org):
    # given a rep's customer
    customer = CustomerFactory(owner=org["east_rep"])
    # when the rep opens a deal for it
    opp = opportunity_services.opportunity_create(actor=org["east_rep"], customer=customer, data={"amount": "5000"})
    # then it sits in the default pipeline's first open stage with that stage's probability
    first = opportunity_services.first_open_stage(opportunity_services.default_pipeline())
    assert opp.stage == first and opp.probability == first.probability and opp.status == "open"
    assert opp.name == customer.name and opp.amount == Decimal("5000.00") and opp.owner == org["east_rep"]
    # and one stage change from nowhere into it is recorded
    change = StageChange.objects.get(opportunity=opp)
    assert change.from_stage is None and change.to_stage == first and change.seconds_in_from_stage is None


def test_create_refuses_a_customer_out_of_reach(org):
    # given a customer of another rep
    customer = CustomerFactory(owner=org["west_rep"])
    # when east_rep tries to open a deal for it, then it is not found and nothing is written
    with pytest.raises(NotFoundError):
        opportunity_services.opportunity_create(actor=org["east_rep"], customer=customer, data={})
    assert not Opportunity.objects.exists() and not StageChange.objects.exists()


def test_move_records_the_time_spent_in_the_previous_stage(org):
    # given a deal that entered its stage three days ago
    opp = new_opportunity(org)
    entered = timezone.now() - dt.timedelta(days=3)
    Opportunity.objects.filter(pk=opp.pk).update(stage_entered_at=entered)
    second = open_stages(opp)[1]
    now = entered + dt.timedelta(days=3, hours=1)
    # when the rep moves it to the next stage
    moved = opportunity_services.opportunity_move_stage(actor=org["east_rep"], opportunity=opp, stage=second, now=now)
    # then the deal is in that stage with its probability, and the history says how long it stayed before
    assert moved.stage == second and moved.probability == second.probability and moved.stage_entered_at == now
    change = StageChange.objects.filter(opportunity=opp).order_by("-id").first()
    assert change.from_stage == opp.stage and change.to_stage == second
    assert change.seconds_in_from_stage == 3 * 86400 + 3600
    assert AuditLog.objects.filter(object_id=str(opp.pk), action=AuditLog.Action.UPDATE).exists()


def test_required_fields_block_a_move_and_name_the_missing_fields(org):
    # given a stage that requires the expected signing date, and a deal without one
    opp = new_opportunity(org)
    second = open_stages(opp)[1]
    second.required_fields = ["expected_close_date"]
    second.save()
    # when the rep moves it there, then the move is refused naming the field
    with pytest.raises(ValidationFailed) as exc:
        opportunity_services.opportunity_move_stage(actor=org["east_rep"], opportunity=opp, stage=second)
    assert "expected_close_date" in exc.value.fields and "expected signing date" in exc.value.message
    # and nothing changed
    opp.refresh_from_db()
    assert opp.stage != second and StageChange.objects.filter(opportunity=opp).count() == 1
    # once the date is filled in, the move goes through
    opp = opportunity_services.opportunity_update(
        actor=org["east_rep"], opportunity=opp, data={"expected_close_date": dt.date(2027, 1, 31)}
    )
    assert (
        opportunity_services.opportunity_move_stage(actor=org["east_rep"], opportunity=opp, stage=second).stage
        == second
    )


def test_closing_as_lost_needs_a_reason(org):
    # given an open deal
    opp = new_opportunity(org)
    # when the rep closes it as lost without a reason, then it is refused and the deal stays open
    with pytest.raises(ValidationFailed) as exc:
        opportunity_services.opportunity_close(actor=org["east_rep"], opportunity=opp, won=False)
    assert "lost_reason" in exc.value.fields
    opp.refresh_from_db()
    assert opp.status == "open"
    # with a reason it moves to the pipeline's lost stage, closed
    reason = LostReason.objects.first()
    closed = opportunity_services.opportunity_close(
        actor=org["east_rep"], opportunity=opp, won=False, lost_reason=reason
    )
    assert closed.status == "lost" and closed.stage.kind == "lost" and closed.lost_reason == reason
    assert closed.closed_by == org["east_rep"] and closed.forecast_category == "closed"
    assert StageChange.objects.filter(opportunity=opp, to_stage=closed.stage).exists()


def test_winning_marks_the_customer_won_and_a_manager_confirms(org):
    # given an open deal of east_rep
    opp = new_opportunity(org)
    # when the rep wins it and the manager confirms
    won = opportunity_services.opportunity_close(actor=org["east_rep"], opportunity=opp, won=True)
    confirmed = opportunity_services.opportunity_confirm_close(actor=org["east_manager"], opportunity=won)
    # then the deal is won, confirmed, and the customer is a won customer
    assert won.status == "won" and won.probability == 100 and confirmed.close_confirmed_by == org["east_manager"]
    assert Customer.objects.get(pk=opp.customer_id).status == Customer.Status.WON


def test_rep_cannot_move_another_reps_opportunity(org):
    # given east_rep2's deal
    opp = new_opportunity(org, "east_rep2")
    second = open_stages(opp)[1]
    audit_rows = AuditLog.objects.count()
    # when east_rep tries to move it, then it is not found for them
    with pytest.raises(NotFoundError):
        opportunity_services.opportunity_move_stage(actor=org["east_rep"], opportunity=opp, stage=second)
    # and nothing changed: same stage, no history row, no audit row
    opp.refresh_from_db()
    assert opp.stage != second and StageChange.objects.filter(opportunity=opp).count() == 1
    assert AuditLog.objects.count() == audit_rows


def test_lead_conversion_creates_the_opportunity_in_the_first_stage(org):
    # given a rep's lead
    lead = LeadFactory(owner=org["east_rep"], status="assigned")
    # when it is converted with an opportunity
    result = lead_services.lead_convert(
        actor=org["east_rep"], lead=lead, create_opportunity=True, opportunity={"amount": "800"}
    )
    # then the opportunity is in the first open stage, from the lead, with its first stage change
    opp = result.opportunity
    assert opp.stage == opportunity_services.first_open_stage(opportunity_services.default_pipeline())
    assert opp.source_lead == lead and opp.source == "lead"
    assert StageChange.objects.filter(opportunity=opp, from_stage=None).count() == 1


def test_follow_up_on_a_deal_is_a_customer_follow_up_linked_to_the_deal(org):
    # given a deal
    opp = new_opportunity(org)
    # when the rep logs a follow-up on it
    follow_up = opportunity_services.opportunity_log_follow_up(
        actor=org["east_rep"], opportunity=opp, data={"method": "phone", "content": "报价已发"}
    )
    # then it is the customer's follow-up, linked to the deal
    assert FollowUp.objects.get(pk=follow_up.pk).customer_id == opp.customer_id
    assert OpportunityActivity.objects.get(follow_up=follow_up).opportunity_id == opp.pk
