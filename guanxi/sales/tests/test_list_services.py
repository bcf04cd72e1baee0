"""The services behind the sales lists' bulk bar and inline cells: each selected row is checked on its own (out of
reach or in the wrong state: skipped and counted, unchanged), a refused action changes nothing, every change is
audited, and an inline edit of a copy that is stale is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from guanxi.core.errors import PermissionDeniedError, PreconditionFailedError, ValidationFailed
from guanxi.core.models import AuditLog, Notification
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.leads import services as lead_services
from guanxi.sales.models import Lead, Opportunity, Stage
from guanxi.sales.opportunities import services as opportunity_services
from guanxi.sales.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def audit_count(action: str) -> int:
    return AuditLog.objects.filter(action=action).count()


def deal(org, owner_key: str = "east_rep", **data) -> Opportunity:
    customer = CustomerFactory(owner=org[owner_key])
    return opportunity_services.opportunity_create(
        actor=org[owner_key], customer=customer, data={"name": "云帆 CRM", "amount": "100000", **data}
    )


def open_stages(opp: Opportunity) -> list[Stage]:
    return list(opp.pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("sort_order", "id"))


# --- leads ------------------------------------------------------------------------------------
def test_bulk_delete_of_leads_skips_rows_out_of_reach(org):
    # given two east leads and one of the west department
    east = [LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED) for _ in range(2)]
    west = LeadFactory(owner=org["west_rep"], status=Lead.Status.ASSIGNED)
    # when the east manager deletes all three
    deleted, skipped = lead_services.lead_bulk_delete(
        actor=org["east_manager"], lead_ids=[east[0].pk, east[1].pk, west.pk]
    )
    # then the east ones go to the recycle bin, each audited, and the west one is counted as skipped, untouched
    assert (deleted, skipped) == (2, 1)
    assert set(Lead.objects.values_list("pk", flat=True)) == {west.pk}
    assert audit_count(AuditLog.Action.DELETE) == 2


def test_bulk_delete_of_leads_without_the_right_changes_nothing(org):
    # given a rep's own lead (reps may not delete leads)
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED)
    # when the rep tries, then it is refused and the lead stays
    with pytest.raises(PermissionDeniedError):
        lead_services.lead_bulk_delete(actor=org["east_rep"], lead_ids=[lead.pk])
    assert Lead.objects.filter(pk=lead.pk).exists() and audit_count(AuditLog.Action.DELETE) == 0


def test_bulk_delete_refuses_a_malformed_selection_naming_it(org):
    with pytest.raises(ValidationFailed) as exc:
        lead_services.lead_bulk_delete(actor=org["east_manager"], lead_ids=["1", "abc"])
    assert "ids" in exc.value.fields


def test_owner_cell_assigns_one_lead_and_tells_the_new_owner(org):
    # given a valid lead in the queue
    lead = LeadFactory(status=Lead.Status.VALID)
    # when the assistant picks a rep in its owner cell
    lead = lead_services.lead_set_owner(
        actor=org["east_assistant"], lead=lead, owner=org["east_rep"], expected_version=lead.version
    )
    # then it is assigned, audited as a transfer, and the rep hears of it
    assert lead.owner == org["east_rep"] and lead.status == Lead.Status.ASSIGNED
    assert audit_count(AuditLog.Action.TRANSFER) == 1
    assert Notification.objects.filter(recipient=org["east_rep"], kind="lead_assigned").count() == 1


def test_owner_cell_refuses_a_stale_copy_and_changes_nothing(org):
    # given a lead someone changed after the reader loaded the list
    lead = LeadFactory(status=Lead.Status.VALID)
    Lead.objects.filter(pk=lead.pk).update(version=lead.version + 1)
    # when the reader saves the owner cell with the old version, then it is refused as stale
    with pytest.raises(PreconditionFailedError):
        lead_services.lead_set_owner(
            actor=org["east_assistant"], lead=lead, owner=org["east_rep"], expected_version=lead.version
        )
    lead.refresh_from_db()
    assert lead.owner is None and lead.status == Lead.Status.VALID and not Notification.objects.exists()


def test_owner_cell_is_refused_to_a_rep(org):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED)
    with pytest.raises(PermissionDeniedError):
        lead_services.lead_set_owner(actor=org["east_rep"], lead=lead, owner=org["east_rep2"])
    assert Lead.objects.get(pk=lead.pk).owner == org["east_rep"]


def test_status_cell_screens_valid_and_starts_the_follow_up(org):
    # given a new lead in the queue and a rep's assigned one
    new = LeadFactory()
    mine = LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED)
    # when the assistant marks the first valid and the rep starts following the second
    new = lead_services.lead_set_status(actor=org["east_assistant"], lead=new, status="valid", expected_version=1)
    mine = lead_services.lead_set_status(actor=org["east_rep"], lead=mine, status="following", expected_version=1)
    # then each went through its own action (screened by the assistant; follow-up started)
    assert new.status == Lead.Status.VALID and new.screened_by == org["east_assistant"]
    assert mine.status == Lead.Status.FOLLOWING


def test_status_cell_refuses_states_that_need_a_reason(org):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.FOLLOWING)
    with pytest.raises(ValidationFailed) as exc:
        lead_services.lead_set_status(actor=org["east_rep"], lead=lead, status="lost")
    assert "status" in exc.value.fields
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.FOLLOWING


def test_status_cell_refuses_a_stale_copy(org):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED)
    Lead.objects.filter(pk=lead.pk).update(version=5)
    with pytest.raises(PreconditionFailedError):
        lead_services.lead_set_status(actor=org["east_rep"], lead=lead, status="following", expected_version=1)
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.ASSIGNED


# --- opportunities ----------------------------------------------------------------------------
def test_bulk_transfer_moves_deals_in_reach_and_counts_the_rest(org):
    # given two east deals, one already the new owner's, and one west deal
    east = [deal(org) for _ in range(2)]
    theirs = deal(org, "east_rep2")
    west = deal(org, "west_rep")
    before = audit_count(AuditLog.Action.TRANSFER)
    # when the east manager hands all four to east_rep2
    moved, skipped = opportunity_services.opportunity_bulk_transfer(
        actor=org["east_manager"], opportunity_ids=[e.pk for e in east] + [theirs.pk, west.pk], owner=org["east_rep2"]
    )
    # then the two east deals move (with the owner's department), audited; the others are skipped unchanged
    assert (moved, skipped) == (2, 2)
    for opp in east:
        opp.refresh_from_db()
        assert opp.owner == org["east_rep2"] and opp.department == org["east_rep2"].department
    assert Opportunity.objects.get(pk=west.pk).owner == org["west_rep"]
    assert audit_count(AuditLog.Action.TRANSFER) == before + 2
    # and the new owner is told once
    assert Notification.objects.filter(recipient=org["east_rep2"], kind="opportunity_transfer").count() == 1


def test_bulk_transfer_by_a_rep_is_refused_and_changes_nothing(org):
    opp = deal(org)
    with pytest.raises(PermissionDeniedError):
        opportunity_services.opportunity_bulk_transfer(
            actor=org["east_rep"], opportunity_ids=[opp.pk], owner=org["east_rep2"]
        )
    opp.refresh_from_db()
    assert opp.owner == org["east_rep"] and opp.version == 1 and not Notification.objects.exists()


def test_bulk_transfer_refuses_an_owner_who_cannot_work_on_deals(org):
    opp = deal(org)
    with pytest.raises(ValidationFailed) as exc:
        opportunity_services.opportunity_bulk_transfer(
            actor=org["east_manager"], opportunity_ids=[opp.pk], owner=org["nobody"]
        )
    assert "owner" in exc.value.fields and Opportunity.objects.get(pk=opp.pk).owner == org["east_rep"]


def test_bulk_delete_of_deals_skips_rows_out_of_reach(org):
    east, west = deal(org), deal(org, "west_rep")
    deleted, skipped = opportunity_services.opportunity_bulk_delete(
        actor=org["east_manager"], opportunity_ids=[east.pk, west.pk]
    )
    assert (deleted, skipped) == (1, 1)
    assert list(Opportunity.objects.values_list("pk", flat=True)) == [west.pk]
    with pytest.raises(PermissionDeniedError):
        opportunity_services.opportunity_bulk_delete(actor=org["west_rep"], opportunity_ids=[west.pk])
    assert Opportunity.objects.filter(pk=west.pk).exists()


def test_bulk_stage_edit_goes_through_the_stage_rules(org):
    # given three open deals of a rep, one closed, and a next stage that requires an expected signing date
    ready = deal(org, expected_close_date=dt.date(2027, 3, 1))
    missing = deal(org)  # no expected signing date
    closed = deal(org, expected_close_date=dt.date(2027, 3, 1))
    opportunity_services.opportunity_close(actor=org["east_rep"], opportunity=closed, won=True)
    stage = open_stages(ready)[1]
    stage.required_fields = ["expected_close_date"]
    stage.save()
    # when the rep moves all three (and an unknown id) to that stage
    moved, skipped = opportunity_services.opportunity_bulk_move_stage(
        actor=org["east_rep"], opportunity_ids=[ready.pk, missing.pk, closed.pk, 99999999], stage=stage
    )
    # then only the deal that meets the stage's rules moves, with its stage history; the rest are skipped unchanged
    assert (moved, skipped) == (1, 3)
    ready.refresh_from_db()
    assert ready.stage == stage and ready.stage_changes.count() == 2
    assert Opportunity.objects.get(pk=missing.pk).stage == open_stages(missing)[0]
    assert Opportunity.objects.get(pk=closed.pk).status == Opportunity.Status.WON


def test_bulk_stage_edit_never_touches_a_deal_out_of_reach(org):
    west = deal(org, "west_rep")
    stage = open_stages(west)[1]
    moved, skipped = opportunity_services.opportunity_bulk_move_stage(
        actor=org["east_rep"], opportunity_ids=[west.pk], stage=stage
    )
    assert (moved, skipped) == (0, 1)
    west.refresh_from_db()
    assert west.stage == open_stages(west)[0] and west.version == 1


def test_owner_cell_of_a_deal_checks_the_version(org):
    opp = deal(org)
    Opportunity.objects.filter(pk=opp.pk).update(version=3)
    with pytest.raises(PreconditionFailedError):
        opportunity_services.opportunity_assign(
            actor=org["east_manager"], opportunity=opp, owner=org["east_rep2"], expected_version=1
        )
    assert Opportunity.objects.get(pk=opp.pk).owner == org["east_rep"]
    opp = opportunity_services.opportunity_assign(
        actor=org["east_manager"], opportunity=opp, owner=org["east_rep2"], expected_version=3
    )
    assert opp.owner == org["east_rep2"]
