"""Submitting, approving (或签 / 会签), rejecting, returning and withdrawing; locks, delegation, reminders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from guanxi.approvals.models import (
    ApprovalAction,
    ApprovalAssignment,
    ApprovalDelegation,
    ApprovalRequest,
    ApprovalStep,
)
from guanxi.approvals.selectors import (
    approval_is_locked,
    approval_open_for,
    approvals_for_document,
    approvals_pending_count,
    approvals_pending_for,
    can_view_request,
)
from guanxi.approvals.services import (
    approval_approve,
    approval_reject,
    approval_return,
    approval_send_reminders,
    approval_submit,
    approval_withdraw,
)
from guanxi.core.errors import ConflictError, InvalidStateError, PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog, Notification
from guanxi.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def submit(document: Any, applicant: Any, **facts: Any) -> ApprovalRequest:
    return approval_submit(
        actor=applicant,
        document=document,
        kind="test_doc",
        facts=facts or {"amount": Decimal("1200.50")},
        title="测试单据 #1",
        amount=Decimal("1200.50"),
    )


def pending_users(request: ApprovalRequest) -> list[str]:
    return sorted(u.username for u in _users_of_current(request))


def _users_of_current(request: ApprovalRequest) -> list[Any]:
    request.refresh_from_db()
    step = request.steps.get(order=request.current_step)
    return [a.user for a in step.assignments.filter(decision="")]


def test_submit_snapshots_the_chain_locks_and_notifies_the_first_step(chain: Any, document: Any, org: Any) -> None:
    # given the two-step chain
    # when the east rep submits
    request = submit(document, org["east_rep"])
    # then the request is open, the document locked, the first step waits for a1 or a2, who are notified
    assert request.status == "pending" and approval_is_locked(document)
    assert approval_open_for(document) == request
    assert pending_users(request) == ["a1", "a2"]
    assert [s.status for s in request.steps.order_by("order")] == ["pending", "waiting"]
    assert Notification.objects.filter(recipient__username__in=["a1", "a2"], kind="approval").count() == 2
    assert request.facts == {"amount": "1200.50"}
    assert ApprovalAction.objects.filter(request=request, action="submit").count() == 1
    assert AuditLog.objects.filter(object_id=str(request.pk), action="create").exists()
    # and a second submission of the same document is refused
    with pytest.raises(ConflictError):
        submit(document, org["east_rep"])
    assert ApprovalRequest.objects.count() == 1


def test_any_one_then_all_must_sign(chain: Any, document: Any, org: Any, decisions: Any) -> None:
    request = submit(document, org["east_rep"])
    # when a1 approves the 或签 step: it is done, a2 is no longer needed, b1 and b2 are asked
    request = approval_approve(actor=chain["a1"], request=request, comment="ok")
    assert pending_users(request) == ["b1", "b2"]
    assert request.steps.get(order=0).assignments.get(user=chain["a2"]).decision == "not_needed"
    with pytest.raises(PermissionDeniedError):  # a2 comes too late
        approval_approve(actor=chain["a2"], request=request)
    # when b1 approves the 会签 step: it still waits for b2
    request = approval_approve(actor=chain["b1"], request=request)
    assert request.status == "pending" and pending_users(request) == ["b2"]
    assert decisions.outcomes == []
    # when b2 approves: the request is approved, the document told in the same transaction, the applicant told
    request = approval_approve(actor=chain["b2"], request=request, comment="同意")
    assert request.status == "approved" and request.decided_at is not None
    assert decisions.outcomes == ["approved"] and decisions.calls[0]["actor"] == chain["b2"]
    document.refresh_from_db()
    assert document.name.endswith("[approved]")
    assert not approval_is_locked(document)
    assert Notification.objects.filter(recipient=org["east_rep"], title__startswith="Approved").exists()
    assert list(request.actions.values_list("action", flat=True)) == ["submit", "approve", "approve", "approve"]


def test_denied_approve_changes_nothing(chain: Any, document: Any, org: Any) -> None:
    # given a submitted request
    request = submit(document, org["east_rep"])
    audits = AuditLog.objects.count()
    actions = ApprovalAction.objects.count()
    # when someone who is not an approver of the current step (b1 is of the next one) tries to act
    for outsider in (chain["b1"], org["east_manager"], org["admin"], org["east_rep"]):
        with pytest.raises(PermissionDeniedError):
            approval_approve(actor=outsider, request=request)
        with pytest.raises(PermissionDeniedError):
            approval_reject(actor=outsider, request=request, comment="no")
    # then nothing changed: no decision, no action row, no audit row
    assert ApprovalAssignment.objects.exclude(decision="").count() == 0
    assert ApprovalAction.objects.count() == actions and AuditLog.objects.count() == audits
    request.refresh_from_db()
    assert request.status == "pending" and request.current_step == 0


def test_reject_needs_a_reason_and_ends_the_request(chain: Any, document: Any, org: Any, decisions: Any) -> None:
    request = submit(document, org["east_rep"])
    # when rejecting without a reason: a field error, nothing written
    with pytest.raises(ValidationFailed) as err:
        approval_reject(actor=chain["a1"], request=request, comment="  ")
    assert "comment" in err.value.fields
    assert request.steps.get(order=0).status == "pending"
    # when rejecting with a reason
    request = approval_reject(actor=chain["a1"], request=request, comment="价格太低")
    # then the request is rejected, later steps cancelled, the document told and unlocked
    assert request.status == "rejected"
    assert [s.status for s in request.steps.order_by("order")] == ["rejected", "cancelled"]
    assert decisions.outcomes == ["rejected"] and decisions.calls[0]["comment"] == "价格太低"
    assert not approval_is_locked(document)
    with pytest.raises(InvalidStateError):
        approval_approve(actor=chain["a2"], request=request)


def test_return_for_changes_then_resubmit_keeps_history(chain: Any, document: Any, org: Any, decisions: Any) -> None:
    first = submit(document, org["east_rep"])
    with pytest.raises(ValidationFailed):
        approval_return(actor=chain["a2"], request=first, comment="")
    first = approval_return(actor=chain["a2"], request=first, comment="请补充交付日期")
    assert first.status == "returned" and decisions.outcomes == ["returned"]
    assert not approval_is_locked(document)
    # when the applicant resubmits: a new request, the old one kept, newest first
    second = submit(document, org["east_rep"])
    assert list(approvals_for_document(document)) == [second, first]
    assert approval_open_for(document) == second


def test_withdraw_by_the_applicant_only(chain: Any, document: Any, org: Any, decisions: Any) -> None:
    request = submit(document, org["east_rep"])
    # an approver cannot withdraw; nothing changes
    with pytest.raises(PermissionDeniedError):
        approval_withdraw(actor=chain["a1"], request=request, comment="撤回")
    request.refresh_from_db()
    assert request.status == "pending" and decisions.outcomes == []
    # the applicant must give a reason
    with pytest.raises(ValidationFailed):
        approval_withdraw(actor=org["east_rep"], request=request, comment="")
    request = approval_withdraw(actor=org["east_rep"], request=request, comment="客户改需求")
    assert request.status == "withdrawn" and decisions.outcomes == ["withdrawn"]
    # the approvers who were waiting are told
    assert Notification.objects.filter(recipient=chain["a1"], title__startswith="Withdrawn").exists()
    assert approvals_pending_count(chain["a1"]) == 0


def test_a_failing_document_update_rolls_the_decision_back(chain: Any, document: Any, org: Any, decisions: Any) -> None:
    request = submit(document, org["east_rep"])
    decisions.fail = True
    with pytest.raises(RuntimeError):
        approval_reject(actor=chain["a1"], request=request, comment="no")
    request.refresh_from_db()
    assert request.status == "pending"
    assert not ApprovalAction.objects.filter(action="reject").exists()


def test_rule_edits_do_not_change_a_running_request(chain: Any, document: Any, org: Any) -> None:
    request = submit(document, org["east_rep"])
    # when the admin replaces the first step's approvers
    chain["first"].users.set([org["east_manager"]])
    # then the running request still waits for a1/a2, and a1 may approve
    assert pending_users(request) == ["a1", "a2"]
    approval_approve(actor=chain["a1"], request=request)


def test_applicant_who_is_an_approver_is_skipped(chain: Any, document: Any, org: Any) -> None:
    # given a1 submits: the first step is a2 alone; the 会签 step is unchanged
    request = submit(document, chain["a1"])
    assert pending_users(request) == ["a2"]
    # and when a1 is the only approver of the step, it escalates to the department manager
    chain["first"].users.set([chain["a1"]])
    other = type(document).objects.create(name="另一单据")
    request = submit(other, chain["a1"])
    assert pending_users(request) == ["east_manager"]


def test_delegation_while_away(chain: Any, document: Any, org: Any) -> None:
    # given a1 and a2 are away, a1's approvals go to a deputy
    today = timezone.localdate()
    deputy = UserFactory(username="deputy")
    ApprovalDelegation.objects.create(user=chain["a1"], delegate=deputy, start_date=today, end_date=today)
    ApprovalDelegation.objects.create(
        user=chain["a2"], delegate=deputy, start_date=today + dt.timedelta(days=1), end_date=today
    )  # not in range today
    request = submit(document, org["east_rep"])
    # then the deputy is asked on behalf of a1; a2 keeps theirs
    assert pending_users(request) == ["a2", "deputy"]
    assignment = ApprovalAssignment.objects.get(user=deputy)
    assert assignment.on_behalf_of == chain["a1"]
    assert "On behalf of" in Notification.objects.get(recipient=deputy).body
    # a1 themself may no longer act; the deputy may, and the action says on whose behalf
    with pytest.raises(PermissionDeniedError):
        approval_approve(actor=chain["a1"], request=request)
    approval_approve(actor=deputy, request=request, comment="代批")
    action = ApprovalAction.objects.get(action="approve")
    assert action.actor == deputy and action.on_behalf_of == chain["a1"]
    assert can_view_request(chain["a1"], request)


def test_inbox_and_visibility(chain: Any, document: Any, org: Any) -> None:
    request = submit(document, org["east_rep"])
    assert list(approvals_pending_for(chain["a1"])) == [request]
    assert approvals_pending_count(chain["b1"]) == 0  # the next step is not theirs yet
    assert can_view_request(chain["b1"], request) and can_view_request(org["admin"], request)
    assert not can_view_request(org["west_rep"], request)


def test_reminders_once_per_step_per_day(chain: Any, document: Any, org: Any) -> None:
    request = submit(document, org["east_rep"])
    step = request.steps.get(order=0)
    # given the step has waited 2 hours: no reminder yet (policy 24 hours)
    now = timezone.now()
    ApprovalStep.objects.filter(pk=step.pk).update(started_at=now - dt.timedelta(hours=2))
    assert approval_send_reminders(now=now) == 0
    # when it has waited 25 hours: both approvers are reminded, once
    ApprovalStep.objects.filter(pk=step.pk).update(started_at=now - dt.timedelta(hours=25))
    assert approval_send_reminders(now=now) == 2
    assert approval_send_reminders(now=now + dt.timedelta(hours=1)) == 0
    # and again a day later
    assert approval_send_reminders(now=now + dt.timedelta(hours=25)) == 2
    assert Notification.objects.filter(kind="approval_reminder", recipient=chain["a1"]).count() == 2


def test_submit_for_the_wrong_model_or_without_title_is_refused(chain: Any, org: Any) -> None:
    with pytest.raises(ValidationFailed):
        approval_submit(actor=org["east_rep"], document=org.east, kind="test_doc", facts={}, title="x")
    with pytest.raises(ValidationFailed):
        approval_submit(actor=org["east_rep"], document=org.agent, kind="test_doc", facts={}, title=" ")
    with pytest.raises(ValidationFailed):
        approval_submit(actor=org["east_rep"], document=org.agent, kind="nope", facts={}, title="x")
    assert ApprovalRequest.objects.count() == 0


def test_notifications_and_explanation_speak_the_recipients_language(chain: Any, document: Any, org: Any) -> None:
    # given a1 reads Chinese, a2 English, and the applicant Chinese
    type(chain["a1"]).objects.filter(pk=chain["a1"].pk).update(language="zh-hans")
    type(chain["a1"]).objects.filter(pk=org["east_rep"].pk).update(language="zh-hans")
    org["east_rep"].refresh_from_db()
    # when the applicant submits (from an English page)
    request = submit(document, org["east_rep"])
    # then each approver is told in their own language and the stored explanation is in the applicant's
    assert Notification.objects.get(recipient=chain["a1"]).title == "待您审批：测试单据 #1"
    assert Notification.objects.get(recipient=chain["a2"]).title == "Approval needed: 测试单据 #1"
    assert request.explanation.startswith("此测试单需")


def test_audit_rows_of_a_customers_document_reach_the_customer_timeline(chain: Any, org: Any, decisions: Any) -> None:
    # given a document that belongs to a customer (here: a stand-in with a customer_id attribute)
    document = org.agent
    document.customer_id = 4242  # type: ignore[attr-defined]
    request = submit(document, org["east_rep"])
    approval_approve(actor=chain["a1"], request=request)
    # then the request remembers the customer and every audit row of it carries the customer
    assert ApprovalRequest.objects.get(pk=request.pk).customer_id == 4242
    rows = AuditLog.objects.filter(object_id=str(request.pk), content_type__model="approvalrequest")
    assert rows.count() == 2 and set(rows.values_list("customer_id", flat=True)) == {4242}


def test_delegation_follows_a_delegate_who_is_away_too(chain: Any, document: Any, org: Any) -> None:
    # given a1 → deputy, deputy → backup (both away today), and backup → a1 (a loop)
    today = timezone.localdate()
    deputy, backup = UserFactory(username="deputy"), UserFactory(username="backup")
    for user, delegate in ((chain["a1"], deputy), (deputy, backup), (backup, chain["a1"])):
        ApprovalDelegation.objects.create(user=user, delegate=delegate, start_date=today, end_date=today)
    # when a step opens for a1
    request = submit(document, org["east_rep"])
    # then it goes to the backup, on behalf of a1, without looping back
    assert pending_users(request) == ["a2", "backup"]
    assert ApprovalAssignment.objects.get(user=backup).on_behalf_of == chain["a1"]


# --- who may decide: one selector for pages, API and services ---------------------------------------------------
def test_can_decide_is_the_same_answer_with_and_without_the_requests_steps_loaded(
    chain: Any, document: Any, org: Any, django_assert_num_queries: Any
) -> None:
    from guanxi.approvals.selectors import approval_get_for_user, can_decide

    # given a request at its first step (a1 or a2), b1 waiting for the second
    request = submit(document, org["east_rep"])

    def answers(user: Any) -> tuple[bool, bool]:
        plain = ApprovalRequest.objects.get(pk=request.pk)
        loaded = approval_get_for_user(org["admin"], request.pk)
        with django_assert_num_queries(0):
            from_loaded = can_decide(user, loaded)
        return can_decide(user, plain), from_loaded

    # then the current step's approvers may decide, and nobody else: not the next step's, not the applicant
    assert answers(chain["a1"]) == (True, True)
    assert answers(chain["b1"]) == (False, False)
    assert answers(org["east_rep"]) == (False, False)
    # and once a1 approved (或签), the step moved on: b1 may decide, a1 and a2 no longer
    approval_approve(actor=chain["a1"], request=request)
    assert [answers(chain[k]) for k in ("a1", "a2", "b1")] == [(False, False), (False, False), (True, True)]
    # and nobody decides a withdrawn request
    approval_withdraw(actor=org["east_rep"], request=request, comment="不需要了")
    assert answers(chain["b1"]) == (False, False)
