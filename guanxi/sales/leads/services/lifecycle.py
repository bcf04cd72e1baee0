"""Leads from entry to the end of their road: create, correct, screen, follow up, lose, hand over (conversion is
in conversion.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.custom_fields.definitions import searched_texts
from guanxi.core.custom_fields.validation import custom_values_clean, without_custom
from guanxi.core.errors import InvalidStateError, PermissionDeniedError, ValidationFailed
from guanxi.core.inputs import clean_ids, field_error, pick
from guanxi.core.models import AuditLog
from guanxi.core.search import build_search_text
from guanxi.core.services import audit_record, check_version, model_create, model_update, soft_delete
from guanxi.org.models import User
from guanxi.org.policies import has_permission, require_permission

from .. import selectors
from ..models import CLOSED_STATUSES, Lead
from ._common import LEAD_FIELDS, LOSABLE, NEED_MAX, REASON_MAX, SCREENABLE, _clean_reason
from .assignment import _assign, _check_assignee, _notify_assignee

CUSTOM_TARGET = "sales.lead"


# --- leads: entry and editing ----------------------------------------------------------------
def lead_search_text(lead: Lead) -> str:
    """Company and person (with pinyin), their custom text fields too, phones, e-mail and WeChat."""
    return build_search_text(
        names=[lead.company_name, lead.person_name, *searched_texts(CUSTOM_TARGET, lead.custom)],
        phones=[lead.mobile, lead.phone],
        others=[lead.email, lead.wechat],
    )


def _normalise_lead(data: dict[str, Any]) -> dict[str, Any]:
    for key, value in list(data.items()):
        if key == "need":
            data[key] = (value or "").strip()
        elif isinstance(value, str) or value is None:
            data[key] = " ".join((value or "").split())
    if data.get("email"):
        data["email"] = data["email"].lower()
    return data


def _check_lead_facts(values: dict[str, Any]) -> None:
    """A lead names someone (company or person) and can be reached somehow."""
    fields: dict[str, list[str]] = {}
    if not (values.get("company_name") or values.get("person_name")):
        msg = _("Enter the company or the contact person.")
        fields["company_name"] = [msg]
        fields["person_name"] = [msg]
    if not any(values.get(k) for k in ("mobile", "phone", "email", "wechat")):
        fields["mobile"] = [_("Give at least one way to reach them: mobile, phone, e-mail or WeChat.")]
    if len(values.get("referral") or "") > 100:
        fields["referral"] = [_("Ensure this value has at most %(max)s characters.") % {"max": 100}]
    if len(values.get("need") or "") > NEED_MAX:
        fields["need"] = [_("Ensure this value has at most %(max)s characters.") % {"max": NEED_MAX}]
    if fields:
        raise ValidationFailed(_("Please correct the errors below."), fields=fields)


def lead_create(
    *,
    actor: User | None,
    data: dict[str, Any],
    owner: User | None = None,
    auto_assign: bool = False,
) -> Lead:
    """Enter a lead from any path: the UI, the API, an import, or the public web form (actor=None).

    With an owner the lead is assigned at once (needs "assign"); otherwise it waits in the screening
    queue. With `auto_assign` the assignment rules run on it after commit, as a background job.
    """
    if actor is not None:
        require_permission(actor, "leads.create")
    custom = custom_values_clean(actor=actor, target=CUSTOM_TARGET, values=data.get("custom"), creating=True)
    data = _normalise_lead(pick(without_custom(data), LEAD_FIELDS))
    _check_lead_facts(data)
    data["custom"] = custom
    if owner is not None:
        if actor is None:
            raise PermissionDeniedError(_("Only a signed-in user may assign a lead."))
        require_permission(actor, "leads.assign")
        _check_assignee(actor, owner, field="owner")
    with transaction.atomic():
        lead = Lead(**data, created_by=actor)
        lead.search_text = lead_search_text(lead)
        model_create(instance=lead, actor=actor)
        if owner is not None:
            _assign(lead=lead, user=owner, actor=actor)
            _notify_assignee(user=owner, leads=[lead], actor=actor)
        # Re-check reach after the write; someone who may only enter leads (e.g. a service agent taking a
        # call) hands them to the queue and does not see leads at all.
        if (
            actor is not None
            and has_permission(actor, "leads.view")
            and not selectors.lead_scope(actor, Lead.objects.filter(pk=lead.pk)).exists()
        ):
            raise PermissionDeniedError(_("After this change the record would be outside your data scope."))
        if auto_assign:
            from guanxi.sales.tasks import lead_assign_by_rules_run

            lead_id = lead.pk
            transaction.on_commit(lambda: lead_assign_by_rules_run.enqueue(lead_ids=[lead_id]))
    return lead


def lead_update(*, actor: User, lead: Lead, data: dict[str, Any], expected_version: int | None = None) -> Lead:
    """Correct a lead's facts (status and owner change only through their own actions)."""
    custom = data.get("custom")
    data = _normalise_lead(pick(without_custom(data), LEAD_FIELDS))
    with transaction.atomic():
        lead = selectors.lead_get(user=actor, pk=lead.pk, action="edit", for_update=True)
        check_version(lead, expected_version)
        if lead.status == Lead.Status.CONVERTED:
            raise InvalidStateError(_("A converted lead can no longer be changed; edit the customer instead."))
        _check_lead_facts({k: data.get(k, getattr(lead, k)) for k in LEAD_FIELDS})
        if custom is not None:
            data["custom"] = custom_values_clean(
                actor=actor, target=CUSTOM_TARGET, values=custom, current=lead.custom, instance_pk=lead.pk
            )
        lead, changes = model_update(instance=lead, data=data, actor=actor, expected_version=expected_version)
        searched = {"company_name", "person_name", "mobile", "phone", "email", "wechat"}
        if searched & changes.keys() or any(k.startswith("custom") for k in changes):
            lead.search_text = lead_search_text(lead)
            Lead.objects.filter(pk=lead.pk).update(search_text=lead.search_text)
    return lead


def lead_delete(*, actor: User, lead: Lead) -> None:
    with transaction.atomic():
        lead = selectors.lead_get(user=actor, pk=lead.pk, action="delete", for_update=True)
        soft_delete(instance=lead, actor=actor)


def lead_bulk_delete(*, actor: User, lead_ids: Iterable[Any]) -> tuple[int, int]:
    """Move the selected leads to the recycle bin (the list's bulk bar). Returns (deleted, skipped): skipped are out
    of the actor's reach for deleting (each row checked as lead_delete checks one)."""
    require_permission(actor, "leads.delete")
    ids = clean_ids(lead_ids)
    deleted = 0
    with transaction.atomic():
        qs = selectors.lead_scope(actor, Lead.objects.filter(pk__in=ids), "delete")
        for lead in qs.select_for_update(of=("self",)).order_by("pk"):
            soft_delete(instance=lead, actor=actor)
            deleted += 1
    return deleted, len(ids) - deleted


def _set_status(
    *,
    lead: Lead,
    actor: User | None,
    data: dict[str, Any],
    message: str,
    action: str = AuditLog.Action.UPDATE,
    expected_version: int | None = None,
) -> Lead:
    """Change a lead's state and write one audit row saying what happened, in words and old → new."""
    lead, changes = model_update(instance=lead, data=data, actor=actor, audit=False, expected_version=expected_version)
    audit_record(actor=actor, action=action, obj=lead, changes=changes, message=message)
    return lead


def lead_screen(*, actor: User, lead: Lead, valid: bool, reason: str = "", expected_version: int | None = None) -> Lead:
    """Front desk / marketing decide whether a new lead is worth assigning (an invalid one needs a reason).

    Screening is part of routing leads, so it needs "assign"; a lead someone owns is no longer screened.
    """
    reason = _clean_reason(reason) if not valid else " ".join((reason or "").split())[:REASON_MAX]
    with transaction.atomic():
        lead = selectors.lead_get(user=actor, pk=lead.pk, action="assign", for_update=True)
        check_version(lead, expected_version)
        if lead.status not in SCREENABLE or lead.owner_id:
            raise InvalidStateError(_("Only new, valid or invalid leads without an owner can be screened."))
        status = Lead.Status.VALID if valid else Lead.Status.INVALID
        lead = _set_status(
            lead=lead,
            actor=actor,
            data={
                "status": status,
                "screened_by": actor,
                "screened_at": timezone.now(),
                "invalid_reason": "" if valid else reason,
            },
            message=(_("Screened: valid") if valid else _("Screened: invalid — %(reason)s") % {"reason": reason}),
            expected_version=expected_version,
        )
    return lead


def lead_mark_following(*, actor: User, lead: Lead, expected_version: int | None = None) -> Lead:
    """The owner has started working the lead."""
    with transaction.atomic():
        lead = selectors.lead_get(user=actor, pk=lead.pk, action="edit", for_update=True)
        check_version(lead, expected_version)
        if lead.status != Lead.Status.ASSIGNED:
            raise InvalidStateError(_("Only an assigned lead can be marked as being followed up."))
        lead = _set_status(
            lead=lead,
            actor=actor,
            data={"status": Lead.Status.FOLLOWING},
            message=_("Follow-up started"),
            expected_version=expected_version,
        )
    return lead


# The states a list cell may set in place: those that need no reason (invalid and lost do: the lead's page asks).
INLINE_STATUSES = (Lead.Status.VALID, Lead.Status.FOLLOWING)


def lead_set_status(*, actor: User, lead: Lead, status: str, expected_version: int | None = None) -> Lead:
    """The status cell of the lead list: "valid" screens an unowned lead, "following" starts the owner's follow-up;
    each through its own action and rules. Any other state is refused naming the field (it needs a reason or a
    step of its own on the lead's page)."""
    if status == Lead.Status.VALID:
        return lead_screen(actor=actor, lead=lead, valid=True, expected_version=expected_version)
    if status == Lead.Status.FOLLOWING:
        return lead_mark_following(actor=actor, lead=lead, expected_version=expected_version)
    raise field_error("status", _("Change this status on the lead's page: it needs a reason or a step of its own."))


def lead_lose(*, actor: User, lead: Lead, reason: str) -> Lead:
    """Give up a lead, saying why (the reason is required)."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        lead = selectors.lead_get(user=actor, pk=lead.pk, action="edit", for_update=True)
        if lead.status not in LOSABLE:
            raise InvalidStateError(_("Only a valid, assigned or followed-up lead can be marked lost."))
        lead = _set_status(
            lead=lead,
            actor=actor,
            data={"status": Lead.Status.LOST, "lost_reason": reason},
            message=_("Lost — %(reason)s") % {"reason": reason},
        )
    return lead


# --- hand-over when a user leaves ------------------------------------------------------------
def leads_hand_over(*, actor: User, leaving: User, successor: User) -> int:
    """Move a leaver's unfinished leads to the successor (converted and lost ones keep their history)."""
    moved: list[Lead] = []
    for lead in Lead.objects.filter(owner=leaving).exclude(status__in=CLOSED_STATUSES).select_for_update(of=("self",)):
        moved.append(_assign(lead=lead, user=successor, actor=actor))
    _notify_assignee(user=successor, leads=moved, actor=actor)
    return len(moved)
