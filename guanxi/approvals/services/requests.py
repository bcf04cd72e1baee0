"""A request's life: submit, then approve, reject, return for changes, withdraw, or close when the document's own
app decided it directly.

Acting on a request depends on being an approver of its current step (or its applicant, to withdraw), not on a
module permission. The document app checks its own permission before it submits, and sets its document "in
approval" itself after `approval_submit`; the engine calls the kind's `on_decided` inside its own transaction when a
request ends.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import ConflictError, InvalidStateError, PermissionDeniedError, ValidationFailed
from guanxi.core.i18n import Message, message_value
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, full_clean_or_raise

from ..kinds import document_kind
from ..models import ApprovalAction, ApprovalAssignment, ApprovalRequest, ApprovalStep, Mode
from ..selectors import RoutePlan, approval_assignments_to_decide, approval_route_explain
from ._engine import (
    _activate_step,
    _close_open_steps,
    _customer_id,
    _document_of,
    _finish,
    _json_safe,
    _lock_open,
    _record_action,
    _require_comment,
    _step_at,
)

if TYPE_CHECKING:
    import datetime as dt

    from guanxi.org.models import User


# --- submit ------------------------------------------------------------------------------------
def approval_submit(
    *,
    actor: User,
    document: models.Model,
    kind: str,
    facts: dict[str, Any],
    title: str,
    amount: Decimal | None = None,
    currency: str = "CNY",
) -> ApprovalRequest:
    """Start the approval of a document: match the rules, snapshot the approvers, notify the first step.

    Refuses (ConflictError) while the document has an open request; ValidationFailed when no rule
    matches or a step has nobody to approve.
    """
    title = _submittable_title(document=document, kind=kind, title=title)
    ct = ContentType.objects.get_for_model(document)
    with transaction.atomic():
        _refuse_while_in_approval(ct=ct, document=document)
        # The stored explanation is in the applicant's language (the same as the request's, from a page).
        with translation.override(getattr(actor, "language", "") or translation.get_language()):
            plan = approval_route_explain(kind=kind, facts=facts, applicant=actor)
        now = timezone.now()
        request = ApprovalRequest(
            kind=kind,
            content_type=ct,
            object_id=document.pk,
            title=title[:300],
            amount=amount,
            currency=currency or "CNY",
            facts=_json_safe(facts),
            customer_id=_customer_id(document),
            applicant=actor,
            rule=plan.rule,
            rule_name=plan.rule.name,
            rule_name_id=plan.rule.name_msgid,
            explanation=plan.explanation,
            submitted_at=now,
        )
        _insert_request(request)
        steps = _snapshot_steps(request=request, plan=plan)
        _record_action(request=request, step=None, actor=actor, action=ApprovalAction.Action.SUBMIT, at=now)
        audit_record(
            actor=actor,
            action=AuditLog.Action.CREATE,
            obj=request,
            changes={
                "status": [None, request.status],
                # a default rule's name is a msgid: each reader of the audit trail sees it in their language
                "rule": [None, message_value(request.rule_name_id, request.rule_name)],
            },
            message=plan.explanation,
        )
        _activate_step(request=request, step=steps[0], document=document, now=now)
    return request


def _submittable_title(*, document: models.Model, kind: str, title: str) -> str:
    """The request's title, once the document is a saved one of the kind's model and the title is not blank."""
    spec = document_kind(kind)
    if document.pk is None or document._meta.label_lower != spec.model:
        raise ValidationFailed(
            _("This document cannot go through “%(kind)s” approval.") % {"kind": spec.label},
            fields={"kind": [_("Wrong document type.")]},
        )
    title = (title or "").strip()
    if not title:
        message = _("This field is required.")
        raise ValidationFailed(message, fields={"title": [message]})
    return title


def _refuse_while_in_approval(*, ct: ContentType, document: models.Model) -> None:
    if (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .filter(content_type=ct, object_id=document.pk, status=ApprovalRequest.Status.PENDING)
        .exists()
    ):
        raise ConflictError(_("This document is already in approval."))


def _insert_request(request: ApprovalRequest) -> None:
    """Save the new request; the database's one-open-request-per-document constraint settles a race."""
    full_clean_or_raise(request, exclude=["content_type"])
    try:
        with transaction.atomic():
            request.save(force_insert=True)
    except IntegrityError:
        raise ConflictError(_("This document is already in approval.")) from None


def _snapshot_steps(*, request: ApprovalRequest, plan: RoutePlan) -> list[ApprovalStep]:
    """The plan's steps and approvers, copied onto the request: later rule edits do not change a running one."""
    steps: list[ApprovalStep] = []
    for order, (planned, raw_label) in enumerate(zip(plan.steps, plan.raw_labels, strict=True)):
        step = ApprovalStep.objects.create(request=request, order=order, label=raw_label, mode=planned.mode)
        ApprovalAssignment.objects.bulk_create([ApprovalAssignment(step=step, user=u) for u in planned.users])
        steps.append(step)
    return steps


# --- decisions ---------------------------------------------------------------------------------
def _my_assignments(actor: User, request: ApprovalRequest) -> tuple[ApprovalStep, list[ApprovalAssignment]]:
    """The current step and the actor's assignments on it, locked: 403 unless the actor may decide it now."""
    step = _step_at(request, request.current_step)
    if step is None or step.status != ApprovalStep.Status.PENDING:
        raise InvalidStateError(_("This approval request has no step waiting for a decision."))
    mine = list(
        approval_assignments_to_decide(actor, request).select_for_update(of=("self",)).select_related("on_behalf_of")
    )
    if not mine:
        raise PermissionDeniedError(_("You are not an approver of the current step of this request."))
    return step, mine


def _decide(*, assignments: list[ApprovalAssignment], decision: str, comment: str, now: dt.datetime) -> None:
    for assignment in assignments:
        assignment.decision = decision
        assignment.decided_at = now
        assignment.comment = comment
        assignment.save(update_fields=["decision", "decided_at", "comment"])


def approval_approve(*, actor: User, request: ApprovalRequest, comment: str = "") -> ApprovalRequest:
    """An approver of the current step approves. 或签: the step is done; 会签: once every approver approved.

    After the last step the request is approved and the kind's on_decided runs.
    """
    comment = (comment or "").strip()[:2000]
    with transaction.atomic():
        request = _lock_open(request)
        step, mine = _my_assignments(actor, request)
        now = timezone.now()
        _decide(assignments=mine, decision=ApprovalAssignment.Decision.APPROVED, comment=comment, now=now)
        _record_action(
            request=request,
            step=step,
            actor=actor,
            action=ApprovalAction.Action.APPROVE,
            comment=comment,
            on_behalf_of=mine[0].on_behalf_of,
            at=now,
        )
        remaining = step.assignments.filter(decision=ApprovalAssignment.Decision.PENDING)
        step_done = step.mode == Mode.ANY or not remaining.exists()
        message = Message(gettext_noop("Approved step “%(step)s”."), {"step": Message(step.label)})
        audit_record(actor=actor, action=AuditLog.Action.APPROVE, obj=request, message=message)
        if step_done:
            remaining.update(decision=ApprovalAssignment.Decision.NOT_NEEDED)
            _approve_step_and_move_on(actor=actor, request=request, step=step, comment=comment, now=now)
    return request


def _approve_step_and_move_on(
    *, actor: User, request: ApprovalRequest, step: ApprovalStep, comment: str, now: dt.datetime
) -> None:
    """Close an approved step, then open the next one, or approve the request after the last."""
    step.status = ApprovalStep.Status.APPROVED
    step.decided_at = now
    step.save(update_fields=["status", "decided_at"])
    document = _document_of(request, lock=True)
    following = _step_at(request, step.order + 1)
    if following is None:
        _finish(
            request=request,
            outcome=ApprovalRequest.Status.APPROVED,
            actor=actor,
            comment=comment,
            document=document,
            now=now,
        )
    else:
        request.current_step = following.order
        request.save(update_fields=["current_step", "updated_at"])
        _activate_step(request=request, step=following, document=document, now=now)


def _end_by_approver(
    *, actor: User, request: ApprovalRequest, comment: str, outcome: str, step_status: str, decision: str, action: str
) -> ApprovalRequest:
    with transaction.atomic():
        request = _lock_open(request)
        step, mine = _my_assignments(actor, request)
        now = timezone.now()
        _decide(assignments=mine, decision=decision, comment=comment, now=now)
        step.status = step_status
        step.decided_at = now
        step.save(update_fields=["status", "decided_at"])
        _record_action(
            request=request,
            step=step,
            actor=actor,
            action=action,
            comment=comment,
            on_behalf_of=mine[0].on_behalf_of,
            at=now,
        )
        audit_action = AuditLog.Action.REJECT if outcome == ApprovalRequest.Status.REJECTED else AuditLog.Action.OTHER
        audit_record(
            actor=actor,
            action=audit_action,
            obj=request,
            changes={"status": [ApprovalRequest.Status.PENDING, outcome]},
            message=comment,
        )
        document = _document_of(request, lock=True)
        _finish(request=request, outcome=outcome, actor=actor, comment=comment, document=document, now=now)
    return request


def approval_reject(*, actor: User, request: ApprovalRequest, comment: str) -> ApprovalRequest:
    """An approver of the current step rejects (a reason is required); the request ends."""
    comment = _require_comment(comment, _("Please give the reason for rejecting."))
    return _end_by_approver(
        actor=actor,
        request=request,
        comment=comment,
        outcome=ApprovalRequest.Status.REJECTED,
        step_status=ApprovalStep.Status.REJECTED,
        decision=ApprovalAssignment.Decision.REJECTED,
        action=ApprovalAction.Action.REJECT,
    )


def approval_return(*, actor: User, request: ApprovalRequest, comment: str) -> ApprovalRequest:
    """An approver sends the document back to the applicant for changes; it can be resubmitted later."""
    comment = _require_comment(comment, _("Please say what should be changed."))
    return _end_by_approver(
        actor=actor,
        request=request,
        comment=comment,
        outcome=ApprovalRequest.Status.RETURNED,
        step_status=ApprovalStep.Status.RETURNED,
        decision=ApprovalAssignment.Decision.RETURNED,
        action=ApprovalAction.Action.RETURN,
    )


def approval_withdraw(*, actor: User, request: ApprovalRequest, comment: str) -> ApprovalRequest:
    """The applicant takes the request back (a reason is required)."""
    comment = _require_comment(comment, _("Please give the reason for withdrawing."))
    with transaction.atomic():
        request = _lock_open(request)
        if request.applicant_id != actor.pk:
            raise PermissionDeniedError(_("Only the applicant can withdraw this request."))
        now = timezone.now()
        step = _step_at(request, request.current_step)
        _record_action(
            request=request, step=step, actor=actor, action=ApprovalAction.Action.WITHDRAW, comment=comment, at=now
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.OTHER,
            obj=request,
            changes={"status": [ApprovalRequest.Status.PENDING, ApprovalRequest.Status.WITHDRAWN]},
            message=comment,
        )
        document = _document_of(request, lock=True)
        _finish(
            request=request,
            outcome=ApprovalRequest.Status.WITHDRAWN,
            actor=actor,
            comment=comment,
            document=document,
            now=now,
        )
    return request


def approval_close_decided_elsewhere(
    *, actor: User, request: ApprovalRequest, approved: bool, comment: str = ""
) -> ApprovalRequest:
    """End an open request because the document's own app decided the document directly (e.g. a manager with
    customers.approve who is not on the request approved the customer): the request takes that outcome, its open
    steps are cancelled, and it leaves the approvers' inboxes and reminders. The document is not touched again
    (on_decided is not called: its app has already changed it in this transaction)."""
    with transaction.atomic():
        request = _lock_open(request)
        now = timezone.now()
        outcome = ApprovalRequest.Status.APPROVED if approved else ApprovalRequest.Status.REJECTED
        note = Message(gettext_noop("Decided directly on the document by %(user)s."), {"user": actor})
        typed = comment.strip()
        comment = f"{note} {typed}".strip()
        request.status = outcome
        request.decided_at = now
        request.save(update_fields=["status", "decided_at", "updated_at"])
        _close_open_steps(request)
        _record_action(
            request=request,
            step=None,
            actor=actor,
            action=ApprovalAction.Action.APPROVE if approved else ApprovalAction.Action.REJECT,
            comment=comment,
            at=now,
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.APPROVE if approved else AuditLog.Action.REJECT,
            obj=request,
            changes={"status": [ApprovalRequest.Status.PENDING, outcome]},
            message=comment if typed else note,
        )
    return request
