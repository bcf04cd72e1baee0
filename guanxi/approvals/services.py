"""Writes of the approval engine: submit, approve, reject, return, withdraw; reminders; delegations; rules.

Acting on a request depends on being an approver of its current step (or its applicant, to withdraw),
not on a module permission. The document app checks its own permission before it submits, and sets
its document "in approval" itself after `approval_submit`; the engine calls the kind's `on_decided`
inside its own transaction when a request ends.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, full_clean_or_raise, model_create, model_update, notify
from guanxi.org.policies import has_permission, require_permission

from .kinds import _KINDS, document_kind
from .models import (
    ApprovalAction,
    ApprovalAssignment,
    ApprovalDelegation,
    ApprovalRequest,
    ApprovalRule,
    ApprovalRuleStep,
    ApprovalSettings,
    ApprovalStep,
    ApproverType,
    Mode,
    Op,
)
from .selectors import approval_assignments_undecided, approval_route_explain, coerce_fact, delegate_for

if TYPE_CHECKING:
    from guanxi.org.models import User

Outcome = str  # "approved" | "rejected" | "returned" | "withdrawn"


def _json_safe(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_safe(v) for v in value]
    return value


def _customer_id(document: models.Model) -> int | None:
    if document._meta.label_lower == "customers.customer":
        return int(document.pk)
    return getattr(document, "customer_id", None)


def _document_of(request: ApprovalRequest, *, lock: bool = False) -> models.Model:
    model = request.content_type.model_class()
    if model is None:
        raise NotFoundError(_("The document of this approval no longer exists."))
    qs = model._base_manager.all()
    if lock:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=request.object_id)
    except ObjectDoesNotExist:
        raise NotFoundError(_("The document of this approval no longer exists.")) from None


def _document_url(request: ApprovalRequest, document: models.Model) -> str:
    try:
        return document_kind(request.kind).url(document)
    except Exception:  # a link must never break the approval itself
        return ""


def _language_of(user: Any) -> Any:
    """Notifications in the recipient's language."""
    return translation.override(getattr(user, "language", "") or translation.get_language())


def _require_comment(comment: str, message: str) -> str:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed(message, fields={"comment": [message]})
    if len(comment) > 2000:
        too_long = _("At most 2000 characters.")
        raise ValidationFailed(too_long, fields={"comment": [too_long]})
    return comment


def _lock_open(request: ApprovalRequest) -> ApprovalRequest:
    locked = (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("content_type", "applicant")
        .get(pk=request.pk)
    )
    if not locked.is_open:
        raise InvalidStateError(
            _("This approval request is already closed (%(status)s).") % {"status": locked.get_status_display()}
        )
    return locked


def _record_action(
    *,
    request: ApprovalRequest,
    step: ApprovalStep | None,
    actor: User | None,
    action: str,
    comment: str = "",
    on_behalf_of: User | None = None,
    at: dt.datetime,
) -> ApprovalAction:
    return ApprovalAction.objects.create(
        request=request,
        step=step,
        actor=actor,
        on_behalf_of=on_behalf_of,
        action=action,
        comment=comment,
        at=at,
    )


def _activate_step(*, request: ApprovalRequest, step: ApprovalStep, document: models.Model, now: dt.datetime) -> None:
    """Open a step: apply delegations of its approvers and tell them."""
    step.status = ApprovalStep.Status.PENDING
    step.started_at = now
    step.save(update_fields=["status", "started_at"])
    url = _document_url(request, document)
    notified: set[int] = set()
    for assignment in step.assignments.select_related("user"):
        delegate = delegate_for(assignment.user, on=timezone.localdate(now))
        if delegate is not None and delegate.pk != request.applicant_id:
            assignment.on_behalf_of = assignment.user
            assignment.user = delegate
            assignment.save(update_fields=["user", "on_behalf_of"])
        if assignment.user_id in notified:
            continue
        notified.add(assignment.user_id)
        with _language_of(assignment.user):
            body: str | Message = request.explanation
            if assignment.on_behalf_of_id:
                body = Message(
                    gettext_noop("On behalf of %(user)s. %(text)s"),
                    {"user": assignment.on_behalf_of, "text": request.explanation},
                )
            notify(
                recipient=assignment.user,
                kind="approval",
                title=Message(gettext_noop("Approval needed: %(title)s"), {"title": request.title}),
                body=body,
                url=url,
            )


def _step_at(request: ApprovalRequest, order: int) -> ApprovalStep | None:
    return ApprovalStep.objects.filter(request=request, order=order).first()


def _finish(
    *,
    request: ApprovalRequest,
    outcome: Outcome,
    actor: User,
    comment: str,
    document: models.Model,
    now: dt.datetime,
) -> None:
    """End a request: close its remaining steps, tell the document app (same transaction), notify."""
    request.status = outcome
    request.decided_at = now
    request.save(update_fields=["status", "decided_at", "updated_at"])
    open_assignments = ApprovalAssignment.objects.filter(
        step__request=request, decision=ApprovalAssignment.Decision.PENDING
    )
    pending_users = list({a.user for a in open_assignments.select_related("user")})
    open_assignments.update(decision=ApprovalAssignment.Decision.NOT_NEEDED)
    ApprovalStep.objects.filter(
        request=request, status__in=[ApprovalStep.Status.WAITING, ApprovalStep.Status.PENDING]
    ).update(status=ApprovalStep.Status.CANCELLED)
    document_kind(request.kind).on_decided(document=document, outcome=outcome, actor=actor, comment=comment)

    url = _document_url(request, document)

    def title() -> Message:
        titles = {
            ApprovalRequest.Status.APPROVED: gettext_noop("Approved: %(title)s"),
            ApprovalRequest.Status.REJECTED: gettext_noop("Rejected: %(title)s"),
            ApprovalRequest.Status.RETURNED: gettext_noop("Returned for changes: %(title)s"),
            ApprovalRequest.Status.WITHDRAWN: gettext_noop("Withdrawn: %(title)s"),
        }
        return Message(titles[outcome], {"title": request.title})  # type: ignore[index]

    if actor.pk != request.applicant_id:
        with _language_of(request.applicant):
            notify(
                recipient=request.applicant,
                kind="approval",
                title=title(),
                body=comment,
                url=url,
                level="success" if outcome == ApprovalRequest.Status.APPROVED else "warning",
            )
    if outcome == ApprovalRequest.Status.WITHDRAWN:
        for user in pending_users:
            with _language_of(user):
                notify(recipient=user, kind="approval", title=title(), body=comment, url=url)


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
    ct = ContentType.objects.get_for_model(document)
    with transaction.atomic():
        if (
            ApprovalRequest.objects.select_for_update(of=("self",))
            .filter(content_type=ct, object_id=document.pk, status=ApprovalRequest.Status.PENDING)
            .exists()
        ):
            raise ConflictError(_("This document is already in approval."))
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
        full_clean_or_raise(request, exclude=["content_type"])
        try:
            with transaction.atomic():
                request.save(force_insert=True)
        except IntegrityError:
            raise ConflictError(_("This document is already in approval.")) from None
        steps: list[ApprovalStep] = []
        for order, (planned, raw_label) in enumerate(zip(plan.steps, plan.raw_labels, strict=True)):
            step = ApprovalStep.objects.create(request=request, order=order, label=raw_label, mode=planned.mode)
            ApprovalAssignment.objects.bulk_create([ApprovalAssignment(step=step, user=u) for u in planned.users])
            steps.append(step)
        _record_action(request=request, step=None, actor=actor, action=ApprovalAction.Action.SUBMIT, at=now)
        audit_record(
            actor=actor,
            action=AuditLog.Action.CREATE,
            obj=request,
            changes={"status": [None, request.status], "rule": [None, request.rule_name]},
            message=plan.explanation,
        )
        _activate_step(request=request, step=steps[0], document=document, now=now)
    return request


# --- decisions ---------------------------------------------------------------------------------
def _my_assignments(actor: User, request: ApprovalRequest) -> tuple[ApprovalStep, list[ApprovalAssignment]]:
    step = _step_at(request, request.current_step)
    if step is None or step.status != ApprovalStep.Status.PENDING:
        raise InvalidStateError(_("This approval request has no step waiting for a decision."))
    mine = list(
        step.assignments.select_for_update(of=("self",))
        .filter(user_id=actor.pk, decision=ApprovalAssignment.Decision.PENDING)
        .select_related("on_behalf_of")
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
    return request


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
        ApprovalAssignment.objects.filter(step__request=request, decision=ApprovalAssignment.Decision.PENDING).update(
            decision=ApprovalAssignment.Decision.NOT_NEEDED
        )
        ApprovalStep.objects.filter(
            request=request, status__in=[ApprovalStep.Status.WAITING, ApprovalStep.Status.PENDING]
        ).update(status=ApprovalStep.Status.CANCELLED)
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


# --- reminders ---------------------------------------------------------------------------------
def approval_send_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind the approvers of steps waiting longer than the policy's hours, once per step per day."""
    now = now or timezone.now()
    hours = ApprovalSettings.current().reminder_after_hours
    due = ApprovalStep.objects.filter(
        status=ApprovalStep.Status.PENDING,
        request__status=ApprovalRequest.Status.PENDING,
        started_at__lte=now - dt.timedelta(hours=hours),
    ).filter(models.Q(last_reminded_at__isnull=True) | models.Q(last_reminded_at__lte=now - dt.timedelta(hours=24)))
    sent = 0
    day = timezone.localdate(now).isoformat()
    for step in due.select_related("request", "request__content_type"):
        request = step.request
        with transaction.atomic():
            try:
                document = _document_of(request)
            except NotFoundError:
                continue
            url = _document_url(request, document)
            waiting_hours = int((now - step.started_at).total_seconds() // 3600) if step.started_at else hours
            for assignment in step.assignments.filter(decision=ApprovalAssignment.Decision.PENDING).select_related(
                "user"
            ):
                with _language_of(assignment.user):
                    note = notify(
                        recipient=assignment.user,
                        kind="approval_reminder",
                        title=Message(
                            gettext_noop("Waiting for your approval for %(hours)s hours: %(title)s"),
                            {"hours": waiting_hours, "title": request.title},
                        ),
                        body=request.explanation,
                        url=url,
                        level="warning",
                        dedupe_key=f"approval-remind:{step.pk}:{assignment.user_id}:{day}",
                    )
                sent += note is not None
            step.last_reminded_at = now
            step.save(update_fields=["last_reminded_at"])
            _record_action(request=request, step=step, actor=None, action=ApprovalAction.Action.REMIND, at=now)
    return sent


# --- delegations -------------------------------------------------------------------------------
def delegation_create(
    *, actor: User, delegate: User, start_date: dt.date, end_date: dt.date, note: str = ""
) -> ApprovalDelegation:
    """While away (start..end, inclusive) the actor's approvals that reach them go to `delegate`."""
    errors: dict[str, list[str]] = {}
    if delegate.pk == actor.pk:
        errors["delegate"] = [_("Choose someone other than yourself.")]
    elif not delegate.is_active:
        errors["delegate"] = [_("This user is inactive.")]
    if end_date < start_date:
        errors["end_date"] = [_("The end date is before the start date.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    with transaction.atomic():
        delegation = model_create(
            instance=ApprovalDelegation(
                user=actor, delegate=delegate, start_date=start_date, end_date=end_date, note=(note or "").strip()
            ),
            actor=actor,
        )
    return delegation


def delegation_cancel(*, actor: User, delegation: ApprovalDelegation) -> ApprovalDelegation:
    """End a delegation (its owner or an administrator). Steps already handed over stay with the delegate."""
    if delegation.user_id != actor.pk and not has_permission(actor, "org.admin"):
        raise PermissionDeniedError(_("Only the person who set up this delegation can cancel it."))
    with transaction.atomic():
        delegation, _changes = model_update(instance=delegation, data={"is_active": False}, actor=actor)
    return delegation


# --- hand-over when an approver leaves -----------------------------------------------------------
def approval_steps_hand_over(*, actor: User, leaving: User, successor: User) -> int:
    """Give a leaver's undecided approvals to the successor, on the leaver's behalf as a delegation would, so no
    request waits for a closed account. Nobody approves their own request: where the successor applied, the
    leaver's manager takes the step instead (or, without one, the step stays and the admin sees it in the
    audit row). Delegations from and to the leaver end. Returns how many approvals moved."""
    moved = 0
    now = timezone.now()
    manager = leaving.manager
    if manager is not None and not manager.is_active:
        manager = None
    undecided = approval_assignments_undecided(user=leaving).select_related("step__request", "on_behalf_of")
    for assignment in undecided.order_by("pk").select_for_update(of=("self",)):
        step, request = assignment.step, assignment.step.request
        taker = successor if request.applicant_id != successor.pk else manager
        if taker is None or taker.pk in (request.applicant_id, leaving.pk):
            audit_record(
                actor=actor,
                action=AuditLog.Action.OTHER,
                obj=request,
                changes={"approver": [str(leaving), None], "step": step.label},
                message=Message(
                    gettext_noop("Nobody could take over this approval from %(user)s; reassign it."), {"user": leaving}
                ),
            )
            continue
        assignment.on_behalf_of = assignment.on_behalf_of or leaving
        assignment.user = taker
        assignment.save(update_fields=["user", "on_behalf_of"])
        audit_record(
            actor=actor,
            action=AuditLog.Action.TRANSFER,
            obj=request,
            changes={"approver": [str(leaving), str(taker)], "step": step.label},
        )
        moved += 1
        if step.status == ApprovalStep.Status.PENDING:
            with _language_of(taker):
                notify(
                    recipient=taker,
                    kind="approval",
                    title=Message(gettext_noop("Approval needed: %(title)s"), {"title": request.title}),
                    body=Message(
                        gettext_noop("On behalf of %(user)s. %(text)s"), {"user": leaving, "text": request.explanation}
                    ),
                    url=_document_url(request, _document_of(request)),
                    dedupe_key=f"approval_handover:{assignment.pk}:{int(now.timestamp())}",
                )
    delegations = ApprovalDelegation.objects.filter(models.Q(user=leaving) | models.Q(delegate=leaving))
    for delegation in delegations.filter(is_active=True):
        model_update(instance=delegation, data={"is_active": False}, actor=actor)
    return moved


# --- rules and settings (administrators) --------------------------------------------------------
def _clean_conditions(kind: str, conditions: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    specs = _KINDS[kind].facts if kind in _KINDS else {}
    cleaned: list[dict[str, Any]] = []
    errors: list[str] = []
    for index, condition in enumerate(conditions, start=1):
        fact = str(condition.get("fact") or "").strip()
        op = str(condition.get("op") or "").strip()
        value = condition.get("value")
        if specs and fact not in specs:
            errors.append(_("Condition %(n)s: unknown fact “%(fact)s”.") % {"n": index, "fact": fact})
            continue
        if op not in Op.values:
            errors.append(_("Condition %(n)s: unknown operator “%(op)s”.") % {"n": index, "op": op})
            continue
        type_ = specs[fact].type if fact in specs else "str"
        try:
            if op == Op.IN:
                items = value if isinstance(value, list) else [v.strip() for v in str(value or "").split(",")]
                items = [v for v in items if v not in ("", None)]
                if not items:
                    raise ValueError(value)
                value = [_json_safe(coerce_fact(v, type_)) for v in items]
            else:
                if value in (None, ""):
                    raise ValueError(value)
                value = _json_safe(coerce_fact(value, type_))
        except (ValueError, TypeError):
            errors.append(_("Condition %(n)s: “%(value)s” is not a valid value.") % {"n": index, "value": value})
            continue
        if op not in (Op.EQ, Op.NE, Op.IN) and type_ in ("bool", "department", "str"):
            errors.append(_("Condition %(n)s: this fact can only be compared with =, ≠ or “one of”.") % {"n": index})
            continue
        cleaned.append({"fact": fact, "op": op, "value": value})
    return cleaned, errors


def _clean_steps(steps: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    from guanxi.org.models import Position, Role
    from guanxi.org.models import User as UserModel

    cleaned: list[dict[str, Any]] = []
    errors: list[str] = []
    for index, step in enumerate(steps, start=1):
        label = str(step.get("label") or "").strip()
        approver_type = str(step.get("approver_type") or "")
        codes = [str(c).strip() for c in (step.get("codes") or []) if str(c).strip()]
        user_ids = [int(u) for u in (step.get("users") or [])]
        mode = str(step.get("mode") or Mode.ANY)
        if not label:
            errors.append(_("Step %(n)s: give it a name.") % {"n": index})
        if approver_type not in ApproverType.values:
            errors.append(_("Step %(n)s: choose who approves.") % {"n": index})
            continue
        if mode not in Mode.values:
            errors.append(_("Step %(n)s: unknown mode.") % {"n": index})
        if approver_type in (ApproverType.ROLE, ApproverType.POSITION):
            model = Role if approver_type == ApproverType.ROLE else Position
            known = set(model.objects.filter(code__in=codes).values_list("code", flat=True))
            if not codes:
                errors.append(_("Step %(n)s: choose at least one role or position.") % {"n": index})
            elif set(codes) - known:
                errors.append(
                    _("Step %(n)s: unknown code(s) %(codes)s.") % {"n": index, "codes": ", ".join(set(codes) - known)}
                )
        if approver_type == ApproverType.USERS:
            found = UserModel.objects.filter(pk__in=user_ids, is_active=True).count()
            if not user_ids:
                errors.append(_("Step %(n)s: choose at least one user.") % {"n": index})
            elif found != len(set(user_ids)):
                errors.append(_("Step %(n)s: some of the chosen users do not exist or are inactive.") % {"n": index})
        cleaned.append(
            {
                "label": label,
                "approver_type": approver_type,
                "codes": codes if approver_type in (ApproverType.ROLE, ApproverType.POSITION) else [],
                "users": user_ids if approver_type == ApproverType.USERS else [],
                "same_department": bool(step.get("same_department")),
                "mode": mode,
            }
        )
    if not steps:
        errors.append(_("A rule needs at least one step."))
    return cleaned, errors


def _rule_write(
    *, actor: User, rule: ApprovalRule | None, data: dict[str, Any], steps: list[dict[str, Any]]
) -> ApprovalRule:
    require_permission(actor, "org.admin")
    kind = str(data.get("kind") or (rule.kind if rule else "")).strip()
    errors: dict[str, list[str]] = {}
    if not kind:
        errors["kind"] = [_("This field is required.")]
    elif kind not in _KINDS and not ApprovalRule.objects.filter(kind=kind).exists():
        errors["kind"] = [_("Unknown document type “%(kind)s”.") % {"kind": kind}]
    conditions, condition_errors = _clean_conditions(kind, list(data.get("conditions") or []))
    if condition_errors:
        errors["conditions"] = condition_errors
    cleaned_steps, step_errors = _clean_steps(steps)
    if step_errors:
        errors["steps"] = step_errors
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    values = {
        "kind": kind,
        "name": str(data.get("name") or "").strip(),
        "priority": data.get("priority", rule.priority if rule else 100),
        "is_active": bool(data.get("is_active", rule.is_active if rule else True)),
        "conditions": conditions,
    }
    with transaction.atomic():
        if rule is None:
            rule = model_create(instance=ApprovalRule(**values), actor=actor)
            old_steps: list[Any] = []
        else:
            old_steps = [_step_snapshot(s) for s in rule.steps.all()]
            rule, _changes = model_update(instance=rule, data=values, actor=actor, audit=False)
            rule.steps.all().delete()
        for order, spec in enumerate(cleaned_steps):
            users = spec.pop("users")
            step = ApprovalRuleStep.objects.create(rule=rule, order=order, **spec)
            step.users.set(users)
        new_steps = [_step_snapshot(s) for s in rule.steps.all()]
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE if old_steps else AuditLog.Action.CREATE,
            obj=rule,
            changes={**{k: [None, v] for k, v in values.items()}, "steps": [old_steps, new_steps]},
        )
    return rule


def _step_snapshot(step: ApprovalRuleStep) -> dict[str, Any]:
    return {
        "label": step.label,
        "approver_type": step.approver_type,
        "codes": list(step.codes or []),
        "users": sorted(step.users.values_list("pk", flat=True)),
        "same_department": step.same_department,
        "mode": step.mode,
    }


def approval_rule_create(*, actor: User, data: dict[str, Any], steps: list[dict[str, Any]]) -> ApprovalRule:
    """A new rule (org.admin): kind, name, priority, active, conditions [{fact, op, value}], ordered steps."""
    return _rule_write(actor=actor, rule=None, data=data, steps=steps)


def approval_rule_update(
    *, actor: User, rule: ApprovalRule, data: dict[str, Any], steps: list[dict[str, Any]]
) -> ApprovalRule:
    """Replace a rule's fields and steps (org.admin); running requests keep their snapshotted approvers."""
    return _rule_write(actor=actor, rule=rule, data=data, steps=steps)


def approval_rule_delete(*, actor: User, rule: ApprovalRule) -> None:
    require_permission(actor, "org.admin")
    with transaction.atomic():
        audit_record(actor=actor, action=AuditLog.Action.DELETE, obj=rule)
        rule.delete()


def approval_settings_update(*, actor: User, reminder_after_hours: int) -> ApprovalSettings:
    require_permission(actor, "org.admin")
    with transaction.atomic():
        current = ApprovalSettings.objects.select_for_update(of=("self",)).order_by("pk").first()
        if current is None:
            return model_create(instance=ApprovalSettings(reminder_after_hours=reminder_after_hours), actor=actor)
        current, _changes = model_update(
            instance=current, data={"reminder_after_hours": reminder_after_hours}, actor=actor
        )
    return current
