"""Closing a leaver's account hands over, in one audited step, everything still in their hands across the apps:
customers with their contacts, open tasks, open leads and deals, draft quotes and contracts, and the approvals
waiting for them; the deactivation page counts each kind before anything moves."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.approvals.models import ApprovalAssignment
from guanxi.approvals.selectors import approval_open_for
from guanxi.approvals.services import approval_approve
from guanxi.commerce import services
from guanxi.commerce.models import Contract, Quote
from guanxi.core.models import AuditLog, Notification
from guanxi.customers.models import Customer, Task
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory, TaskFactory
from guanxi.org.services import user_deactivate
from guanxi.sales.models import Lead, Opportunity
from guanxi.sales.opportunities.services import opportunity_create
from guanxi.sales.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaver_desk(org: Any, execs: Any, make_quote: Any) -> dict[str, Any]:
    """The east manager's desk: two customers with contacts, tasks, leads, deals, quotes and contracts in every
    state, and a contract of a rep waiting for their approval."""
    me = org["east_manager"]
    mine = [CustomerFactory(owner=me, name=f"东方客户{i}") for i in range(2)]
    for c in mine:
        ContactFactory(customer=c)
    desk: dict[str, Any] = {"customers": mine}
    desk["open_task"] = TaskFactory(customer=mine[0], assignee=me)
    desk["done_task"] = TaskFactory(customer=mine[0], assignee=me, done=True)
    desk["open_lead"] = LeadFactory(owner=me, status=Lead.Status.FOLLOWING)
    desk["lost_lead"] = LeadFactory(owner=me, status=Lead.Status.LOST, lost_reason="无预算")
    desk["open_deal"] = opportunity_create(actor=me, customer=mine[0], data={"name": "在谈项目"})
    won = opportunity_create(actor=me, customer=mine[1], data={"name": "已赢项目"})
    Opportunity.objects.filter(pk=won.pk).update(status=Opportunity.Status.WON)
    desk["won_deal"] = won
    desk["draft_quote"] = make_quote(me, mine[0])
    sent = make_quote(me, mine[1])
    Quote.objects.filter(pk=sent.pk).update(status=Quote.Status.SENT)
    desk["sent_quote"] = sent
    desk["draft_contract"] = services.contract_create(actor=me, customer=mine[0], data={"amount": "1000"})
    signed = services.contract_create(actor=me, customer=mine[1], data={"amount": "2000"})
    Contract.objects.filter(pk=signed.pk).update(status=Contract.Status.SIGNED)
    desk["signed_contract"] = signed
    reps_customer = CustomerFactory(owner=org["east_rep"], name="代表的客户")
    waiting = services.contract_create(actor=org["east_rep"], customer=reps_customer, data={"amount": "1000"})
    services.contract_submit(actor=org["east_rep"], contract=waiting)
    desk["waiting_contract"] = waiting
    assert [a.user for a in ApprovalAssignment.objects.filter(step__request=approval_open_for(waiting))] == [me]
    return desk


def owner_of(obj: Any) -> Any:
    obj.refresh_from_db()
    return getattr(obj, "owner", None) or getattr(obj, "assignee", None)


def test_the_page_counts_each_kind_before_anything_moves(org: Any, leaver_desk: Any) -> None:
    # when the administrator opens the deactivation page of the east manager
    web = Client()
    web.force_login(org["admin"])
    r = web.get(reverse("org:user_deactivate", args=[org["east_manager"].pk]))
    # then every kind is counted, as it is now
    preview = dict(r.context["preview"])
    assert {k: preview[k] for k in ("Customers", "Contacts (with their customers)", "Open tasks")} == {
        "Customers": 2,
        "Contacts (with their customers)": 2,
        "Open tasks": 1,
    }
    assert (preview["Open leads"], preview["Open opportunities"]) == (1, 1)
    assert (preview["Draft quotes"], preview["Draft contracts"], preview["Pending approvals"]) == (1, 1, 1)
    # and nothing moved yet
    assert owner_of(leaver_desk["draft_quote"]) == org["east_manager"]


def test_deactivation_hands_over_what_is_unfinished_and_keeps_what_is_done(org: Any, leaver_desk: Any) -> None:
    me, successor = org["east_manager"], org["west_manager"]
    # when the administrator closes the east manager's account, with the west manager taking over
    handed = user_deactivate(actor=org["admin"], user=me, successor=successor)

    # then the unfinished work belongs to the successor and their department
    assert handed == {
        "contacts": 2,
        "customers": 2,
        "tasks": 1,
        "leads": 1,
        "opportunities": 1,
        "quotes": 1,
        "contracts": 1,
        "approval_steps": 1,
    }
    assert set(Customer.objects.filter(owner=successor)) == set(leaver_desk["customers"])
    for key in ("open_task", "open_lead", "open_deal", "draft_quote", "draft_contract"):
        assert owner_of(leaver_desk[key]) == successor, key
    assert leaver_desk["draft_quote"].department == successor.department
    # what is done keeps the leaver's name: history stays where it was earned
    for key in ("done_task", "lost_lead", "won_deal", "sent_quote", "signed_contract"):
        assert owner_of(leaver_desk[key]) == me, key
    # and the successor decides the waiting approval on the leaver's behalf
    request = approval_open_for(leaver_desk["waiting_contract"])
    assignment = ApprovalAssignment.objects.get(step__request=request)
    assert (assignment.user, assignment.on_behalf_of) == (successor, me)
    approval_approve(actor=successor, request=request)
    assert Contract.objects.get(pk=leaver_desk["waiting_contract"].pk).status == Contract.Status.APPROVED
    # and it is audited: one transfer row for the account with the counts, one per moved record
    entry = AuditLog.objects.get(action="transfer", object_id=str(me.pk), content_type__model="user")
    assert entry.changes["handed_over"] == handed
    assert AuditLog.objects.filter(action="transfer", content_type__model="quote").count() == 1
    assert AuditLog.objects.filter(action="transfer", content_type__model="approvalrequest").count() == 1
    # and the successor is told what they took over
    note = Notification.objects.get(recipient=successor, kind="handover")
    assert "east_manager" in note.title or str(me) in note.title


def test_an_approval_the_successor_applied_for_goes_to_the_leavers_manager(org: Any, leaver_desk: Any) -> None:
    # given the leaver reports to the executive, and the successor is the rep whose contract waits for the leaver
    me = org["east_manager"]
    me.manager = org["executive"]
    me.save(update_fields=["manager"])
    # when the rep takes over
    user_deactivate(actor=org["admin"], user=me, successor=org["east_rep"])
    # then the rep does not approve their own contract: the leaver's manager does
    request = approval_open_for(leaver_desk["waiting_contract"])
    assignment = ApprovalAssignment.objects.get(step__request=request)
    assert (assignment.user, assignment.on_behalf_of) == (org["executive"], me)


def test_a_refused_deactivation_moves_nothing(org: Any, leaver_desk: Any) -> None:
    # given a rep who is not an administrator
    before = AuditLog.objects.count()
    # when the rep tries to close the manager's account through the page
    web = Client()
    web.force_login(org["east_rep"])
    r = web.post(
        reverse("org:user_deactivate", args=[org["east_manager"].pk]),
        {"successor": org["east_rep"].pk, "confirm": "on"},
    )
    # then it is refused and nothing moved, the audit trail included
    assert r.status_code == 403
    assert owner_of(leaver_desk["draft_quote"]) == org["east_manager"]
    assert Task.objects.get(pk=leaver_desk["open_task"].pk).assignee == org["east_manager"]
    assert AuditLog.objects.count() == before
