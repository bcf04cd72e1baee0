"""The steps of a request's life the engine's writes share: finding and locking the document and the request,
recording an action, opening a step (delegations, notifications) and ending a request (the kind's on_decided)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import InvalidStateError, NotFoundError, ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.services import notify

from ..kinds import document_kind, document_url
from ..models import ApprovalAction, ApprovalAssignment, ApprovalRequest, ApprovalStep
from ..selectors import delegate_for

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
    return document_url(request.kind, document)


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
    pending_users = list({a.user for a in open_assignments.select_related("user")})  # before they are closed
    _close_open_steps(request)
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


def _close_open_steps(request: ApprovalRequest) -> None:
    """An ended request's undecided assignments are no longer needed and its open steps are cancelled."""
    ApprovalAssignment.objects.filter(step__request=request, decision=ApprovalAssignment.Decision.PENDING).update(
        decision=ApprovalAssignment.Decision.NOT_NEEDED
    )
    ApprovalStep.objects.filter(
        request=request, status__in=[ApprovalStep.Status.WAITING, ApprovalStep.Status.PENDING]
    ).update(status=ApprovalStep.Status.CANCELLED)
