"""Who stands in for an approver: a delegation while they are away, and the successor who takes their undecided
approvals when their account is closed."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, model_create, model_update, notify
from guanxi.org.policies import has_permission

from ..models import ApprovalAssignment, ApprovalDelegation, ApprovalStep
from ..selectors import approval_assignments_undecided
from ._engine import _document_of, _document_url, _language_of

if TYPE_CHECKING:
    from guanxi.org.models import User


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
    now = timezone.now()
    manager = leaving.manager
    if manager is not None and not manager.is_active:
        manager = None
    undecided = approval_assignments_undecided(user=leaving).select_related("step__request", "on_behalf_of")
    moved = 0
    for assignment in undecided.order_by("pk").select_for_update(of=("self",)):
        request = assignment.step.request
        taker = successor if request.applicant_id != successor.pk else manager
        if taker is None or taker.pk in (request.applicant_id, leaving.pk):
            audit_record(
                actor=actor,
                action=AuditLog.Action.OTHER,
                obj=request,
                changes={"approver": [str(leaving), None], "step": assignment.step.label},
                message=Message(
                    gettext_noop("Nobody could take over this approval from %(user)s; reassign it."), {"user": leaving}
                ),
            )
            continue
        _hand_over_assignment(actor=actor, assignment=assignment, leaving=leaving, taker=taker, now=now)
        moved += 1
    delegations = ApprovalDelegation.objects.filter(models.Q(user=leaving) | models.Q(delegate=leaving))
    for delegation in delegations.filter(is_active=True):
        model_update(instance=delegation, data={"is_active": False}, actor=actor)
    return moved


def _hand_over_assignment(
    *, actor: User, assignment: ApprovalAssignment, leaving: User, taker: User, now: dt.datetime
) -> None:
    """The taker decides in the leaver's place (audited); told at once when the step is waiting now."""
    step, request = assignment.step, assignment.step.request
    assignment.on_behalf_of = assignment.on_behalf_of or leaving
    assignment.user = taker
    assignment.save(update_fields=["user", "on_behalf_of"])
    audit_record(
        actor=actor,
        action=AuditLog.Action.TRANSFER,
        obj=request,
        changes={"approver": [str(leaving), str(taker)], "step": step.label},
    )
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
