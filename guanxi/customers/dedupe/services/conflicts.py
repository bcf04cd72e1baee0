"""Registration conflicts (撞单): recording one with its notifications, and a manager's decision on it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import InvalidStateError, PermissionDeniedError, ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, notify
from guanxi.org.models import User
from guanxi.org.policies import scope_queryset

from ...models import Customer, CustomerKey, RegistrationConflict
from .. import selectors


def registration_conflict_record(
    *,
    claimant_id: int,
    customer_id: int,
    first_owner_id: int,
    matched_on: str,
    matched_value: str,
    attempted: dict[str, Any],
    entry_path: str,
) -> RegistrationConflict | None:
    """Record that `claimant` tried to register a customer someone else owns, notify both reps and
    their managers, audit it — in its own transaction. At most one open conflict per customer and
    claimant: a repeated attempt returns the open one."""
    with transaction.atomic():
        existing = RegistrationConflict.objects.filter(
            customer_id=customer_id, claimant_id=claimant_id, status=RegistrationConflict.Status.OPEN
        ).first()
        if existing is not None:
            return existing
        customer = (
            Customer.objects.select_related("owner__manager", "owner__department__manager")
            .filter(pk=customer_id)
            .first()
        )
        claimant = User.objects.select_related("manager", "department__manager").filter(pk=claimant_id).first()
        if customer is None or claimant is None or customer.owner_id in (None, claimant_id):
            return None
        if customer.owner_id != first_owner_id:  # it changed hands since: the attempt is moot
            return None
        conflict = RegistrationConflict.objects.create(
            customer=customer,
            first_owner=customer.owner,
            claimant=claimant,
            matched_on=matched_on,
            matched_value=matched_value[:200],
            attempted=attempted,
            entry_path=entry_path,
        )
        audit_record(
            actor=claimant,
            action=AuditLog.Action.CREATE,
            obj=conflict,
            customer_id=customer.pk,
            changes={
                "claimant": [None, str(claimant)],
                "matched_on": [None, matched_on],
                "entry_path": [None, entry_path],
            },
            message=Message(
                gettext_noop("Registration conflict: %(claimant)s entered a customer %(owner)s registered first"),
                {"claimant": claimant, "owner": customer.owner},
            ),
        )
        _notify_conflict(conflict, customer, claimant)
    return conflict


def _may_see(user: User, customer_id: int) -> bool:
    try:
        return scope_queryset(user, Customer.objects.filter(pk=customer_id), "view").exists()
    except PermissionDeniedError:
        return False


def _managers_of(*people: User) -> dict[int, User]:
    """Each person's manager and their department's manager."""
    found: dict[int, User] = {}
    for person in people:
        dept = person.department
        for manager in (person.manager, dept.manager if dept is not None else None):
            if manager is not None and manager.is_active:
                found[manager.pk] = manager
    return found


def _notify_conflict(conflict: RegistrationConflict, customer: Customer, claimant: User) -> None:
    owner = customer.owner
    assert owner is not None
    entered = str(conflict.attempted.get("name") or conflict.matched_value)
    key = str(CustomerKey.Kind(conflict.matched_on).label).lower()
    inbox = reverse("dedupe:conflicts")
    managers = _managers_of(owner, claimant)
    for pk in (owner.pk, claimant.pk):
        managers.pop(pk, None)
    for manager in managers.values():
        sees = _may_see(manager, customer.pk)
        notify(
            recipient=manager,
            kind="registration_conflict",
            level="warning",
            url=inbox,
            dedupe_key=f"registration_conflict:{conflict.pk}",
            title=Message(
                gettext_noop("Registration conflict: %(name)s"), {"name": customer.name if sees else entered}
            ),
            body=(
                _("%(claimant)s entered a customer that %(owner)s registered first (same %(key)s). "
                  "Decide: joint pursuit or dismiss.")
                if sees
                else _("%(claimant)s entered a customer that another rep registered first (same %(key)s).")
            ) % {"claimant": claimant, "owner": owner, "key": key},
        )  # fmt: skip
    notify(
        recipient=owner,
        kind="registration_conflict",
        url=reverse("customers:detail", args=[customer.pk]),
        dedupe_key=f"registration_conflict:{conflict.pk}:owner",
        title=Message(
            gettext_noop("%(claimant)s tried to register your customer %(name)s"),
            {"claimant": claimant, "name": customer.name},
        ),
        body=Message(
            gettext_noop(
                "First registrant wins: the customer stays yours. Your manager may add them as a collaborator."
            )
        ),
    )
    sees = _may_see(claimant, customer.pk)
    notify(
        recipient=claimant,
        kind="registration_conflict",
        level="warning",
        url=reverse("customers:detail", args=[customer.pk]) if sees else "",
        dedupe_key=f"registration_conflict:{conflict.pk}:claimant",
        title=Message(gettext_noop("Not registered: %(name)s already exists"), {"name": entered}),
        body=(
            _("%(owner)s registered it first (same %(key)s). Your manager has been told and may make it "
              "a joint pursuit.")
            if sees
            else _("Another rep registered it first (same %(key)s). Your manager has been told and may make it "
                   "a joint pursuit.")
        ) % {"owner": owner, "key": key},
    )  # fmt: skip


# --- conflict decisions ----------------------------------------------------------------------
DECISIONS = {"joint": RegistrationConflict.Status.JOINT, "dismiss": RegistrationConflict.Status.DISMISSED}


def registration_conflict_decide(
    *, actor: User, conflict_id: Any, decision: str, note: str = ""
) -> RegistrationConflict:
    """A manager decides an open conflict: "joint" makes the later registrant a collaborator on the
    customer (the first owner keeps it), "dismiss" (with a note) leaves it as it is."""
    conflict = selectors.conflict_get(user=actor, pk=conflict_id)
    note = _decision_note(decision, note)
    with transaction.atomic():
        conflict = (
            RegistrationConflict.objects.select_for_update(of=("self",)).select_related("claimant").get(pk=conflict.pk)
        )
        if conflict.status != RegistrationConflict.Status.OPEN:
            raise InvalidStateError(_("This conflict was already decided."))
        customer = Customer.objects.select_related("owner").get(pk=conflict.customer_id)
        claimant = conflict.claimant
        if decision == "joint" and claimant.pk != customer.owner_id:
            _joint_pursuit(actor, customer, claimant)
        old = conflict.status
        conflict.status = DECISIONS[decision]
        conflict.decided_by = actor
        conflict.decided_at = timezone.now()
        conflict.decision_note = note
        conflict.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditLog.Action.APPROVE if decision == "joint" else AuditLog.Action.REJECT,
            obj=conflict,
            customer_id=customer.pk,
            changes={"status": [old, conflict.status]},
            message=note,
        )
        _notify_decision(conflict, customer, claimant, decision, note)
    return conflict


def _decision_note(decision: str, note: str) -> str:
    """The decision checked and its note cleaned (one line, at most 300 characters, required to dismiss)."""
    if decision not in DECISIONS:
        raise ValidationFailed(
            _("Choose joint pursuit or dismiss."), fields={"decision": [_("Choose joint pursuit or dismiss.")]}
        )
    note = " ".join((note or "").split())
    if len(note) > 300:
        raise ValidationFailed(
            _("The note is at most 300 characters."), fields={"note": [_("At most 300 characters.")]}
        )
    if decision == "dismiss" and not note:
        raise ValidationFailed(_("Say why the conflict is dismissed."), fields={"note": [_("This field is required.")]})
    return note


def _joint_pursuit(actor: User, customer: Customer, claimant: User) -> None:
    """The later registrant joins the customer as a collaborator (audited); a closed account cannot."""
    if not claimant.is_active:
        raise ValidationFailed(
            _("The later registrant's account is closed."), fields={"decision": [_("Dismiss it instead.")]}
        )
    before = sorted(customer.collaborators.values_list("pk", flat=True))
    if claimant.pk not in before:
        customer.collaborators.add(claimant)
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=customer,
            changes={"collaborators": [before, sorted([*before, claimant.pk])]},
            message=Message(gettext_noop("Joint pursuit: %(user)s joins as collaborator"), {"user": claimant}),
        )


def _notify_decision(
    conflict: RegistrationConflict, customer: Customer, claimant: User, decision: str, note: str
) -> None:
    """Tell the later registrant and the first owner how the conflict was decided."""
    entered = str(conflict.attempted.get("name") or conflict.matched_value)
    if decision == "joint":
        title_claimant = _("Joint pursuit: you now work on %(name)s with %(owner)s") % {
            "name": customer.name,
            "owner": customer.owner or "—",
        }
        title_owner = _("Joint pursuit: %(user)s now works on %(name)s with you") % {
            "user": claimant,
            "name": customer.name,
        }
    else:
        title_claimant = _("Registration conflict dismissed: %(name)s") % {"name": entered}
        title_owner = _("Registration conflict dismissed: %(name)s") % {"name": customer.name}
    notify(
        recipient=claimant,
        kind="registration_conflict_decided",
        title=title_claimant,
        body=note,
        url=reverse("customers:detail", args=[customer.pk]) if decision == "joint" else "",
    )
    if customer.owner is not None and customer.owner.pk != claimant.pk:
        notify(
            recipient=customer.owner,
            kind="registration_conflict_decided",
            title=title_owner,
            body=note,
            url=reverse("customers:detail", args=[customer.pk]),
        )
