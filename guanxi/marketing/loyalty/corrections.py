"""Manual corrections of a member's points (人工调整积分) through the approval engine.

Whoever runs the programme (loyalty.edit) asks for a correction with its reason. When an approval rule of the kind
"points_correction" applies to its facts (the default rule: 500 points or more either way, approved by the
applicant's manager; the threshold and the approvers are data an administrator edits under Approval rules, down
to "every correction"), the correction waits and its ledger entry is written only when the request is approved,
in the engine's transaction. No rule applies: the entry is written at once. A rejected, returned or withdrawn
correction writes nothing; each step is audited on the member.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_text, field_error
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, model_create
from guanxi.org.models import User
from guanxi.org.policies import ensure_in_scope, require_permission

from .ledger import _append, _expiry, _require_active, clean_points
from .models import Member, PointsCorrection, PointsEntry

KIND = "points_correction"
Status = PointsCorrection.Status


def correction_facts(correction: PointsCorrection) -> dict[str, Any]:
    """What a rule's conditions read: the size of the correction (either way) and whether it takes points away."""
    return {"points": abs(correction.points), "takes_away": correction.points < 0}


def correction_needs_approval(correction: PointsCorrection) -> bool:
    from guanxi.approvals.selectors import approval_rule_matching

    return approval_rule_matching(kind=KIND, facts=correction_facts(correction)) is not None


def _apply(correction: PointsCorrection, actor: User | None) -> PointsEntry:
    """Write the correction's ledger entry (in the caller's transaction): refused, with nothing written, when the
    membership is cancelled or the points taken away are more than the balance."""
    member = Member.all_objects.select_for_update(of=("self",)).get(pk=correction.member_id)
    _require_active(member)
    entry = _append(
        member=member, kind=PointsEntry.Kind.ADJUST, points=correction.points, actor=correction.requested_by,
        note=correction.note, source=f"correction:{correction.pk}",
        expires_on=_expiry() if correction.points > 0 else None,
    )  # fmt: skip
    correction.status, correction.entry, correction.decided_at = Status.APPLIED, entry, timezone.now()
    correction.save(update_fields=["status", "entry", "decided_at", "updated_at"])
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=member, changes={"points_balance": [None, entry.balance_after]},
        message=Message(gettext_noop("Adjusted points by %(points)s: %(note)s"),
                        {"points": correction.points, "note": correction.note}),
    )  # fmt: skip
    return entry


@transaction.atomic
def points_correction_request(*, actor: User, member: Member, points: Any, note: Any) -> PointsCorrection:
    """Ask for a correction of the member's points with its reason: applied at once when no approval rule applies,
    else submitted for approval (status "pending", no ledger entry yet). Points taken away never below zero."""
    from guanxi.approvals.services import approval_submit

    require_permission(actor, "loyalty.edit")
    ensure_in_scope(actor, member, "edit")
    _require_active(member)
    change = clean_points(points, allow_negative=True)
    reason = clean_text(note, "note", max_length=300, required=True)
    if change < 0 and -change > member.points_balance:  # refused before anyone is asked to approve it
        raise field_error("points", _("Not enough points: the member's balance is lower than that."))
    correction = model_create(
        instance=PointsCorrection(member=member, points=change, note=reason, requested_by=actor), actor=actor
    )
    if not correction_needs_approval(correction):
        _apply(correction, actor)
        return correction
    approval_submit(
        actor=actor, document=correction, kind=KIND, facts=correction_facts(correction),
        title=_("Points correction: %(member)s, %(points)+d") % {"member": member.display_name, "points": change},
    )  # fmt: skip
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=member,
        message=Message(gettext_noop("Asked to adjust points by %(points)s (awaiting approval): %(note)s"),
                        {"points": change, "note": reason}),
    )  # fmt: skip
    return correction


def correction_on_decided(*, document: PointsCorrection, outcome: str, actor: User | None, comment: str = "") -> None:
    """Called by the approval engine inside its transaction when a correction's request ends: approved writes
    the ledger entry (a refusal, e.g. the balance fell meanwhile, leaves the request undecided); anything else
    closes the correction with nothing written."""
    correction = PointsCorrection.objects.select_for_update().get(pk=document.pk)
    if correction.status != Status.PENDING:
        return
    if outcome == "approved":
        _apply(correction, actor)
        return
    correction.status = Status.REJECTED if outcome == "rejected" else Status.WITHDRAWN
    correction.decided_at = timezone.now()
    correction.save(update_fields=["status", "decided_at", "updated_at"])
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=correction.member,
        message=Message(gettext_noop("Points correction of %(points)s rejected") if outcome == "rejected"
                        else gettext_noop("Points correction of %(points)s returned or withdrawn, not applied"),
                        {"points": correction.points}),
    )  # fmt: skip


def corrections_pending(member: Member) -> list[PointsCorrection]:
    return list(member.corrections.filter(status=Status.PENDING).select_related("requested_by"))
