"""Automatic assignment of new tickets (自动分派): rules an administrator edits (models.AssignmentRule), the choice
inside a rule's team, and the explanation stored on the ticket (`Ticket.assignment_note`).

A rule matches when each of its conditions holds (an empty list holds for every ticket): the ticket's type, channel,
product (its own or its asset's), the customer's level and province. The first active match by `order` wins. Its
team is the active members of its department plus its listed people; skipped are people who are inactive, who do
not work on tickets (no tickets.edit), who are away (an active approval delegation covering today: approvals'
away concept) and who hold `cap` open tickets already. Then in turn (after the last one this rule chose) or the
fewest open tickets (ties: in turn too)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.inputs import clean_text, field_error, pick
from guanxi.core.services import model_create, model_update
from guanxi.org.models import User
from guanxi.org.policies import has_permission, require_permission

from .models import AssignmentRule, Ticket

OPEN = Ticket.OPEN_STATUSES
RULE_FIELDS = {"name", "order", "is_active", "types", "channels", "customer_levels", "provinces", "product",
               "department", "users", "method", "cap"}  # fmt: skip


@dataclass
class Choice:
    rule: AssignmentRule | None
    owner: User | None
    skipped: list[str] = field(default_factory=list)

    @property
    def note(self) -> str:
        if self.rule is None:
            return _("No assignment rule matches: the ticket waits in the unassigned queue.")
        how = self.rule.get_method_display()
        text = _("Rule “%(rule)s”, %(how)s") % {"rule": self.rule.name, "how": how}
        if self.skipped:
            text += _("; skipped: %(people)s") % {"people": "、".join(self.skipped)}
        if self.owner is None:
            text += _("; nobody in the team can take it now")
        return text[:500]


def _matches(rule: AssignmentRule, ticket: Ticket) -> bool:
    customer = ticket.customer
    product_id = ticket.product_id or (ticket.asset.product_id if ticket.asset_id and ticket.asset else None)
    checks = (
        (rule.types, ticket.type),
        (rule.channels, ticket.channel),
        (rule.customer_levels, customer.level),
        (rule.provinces, customer.province),
    )
    if any(wanted and value not in wanted for wanted, value in checks):
        return False
    return not (rule.product_id and rule.product_id != product_id)


def _away_ids(day: dt.date) -> set[int]:
    from guanxi.approvals.models import ApprovalDelegation

    rows = ApprovalDelegation.objects.filter(is_active=True, start_date__lte=day, end_date__gte=day)
    return set(rows.values_list("user_id", flat=True))


def team_of(rule: AssignmentRule) -> list[User]:
    members = User.objects.filter(Q(pk__in=rule.users.values("pk")) | Q(department_id=rule.department_id))
    if rule.department_id is None:
        members = User.objects.filter(pk__in=rule.users.values("pk"))
    return list(members.order_by("id"))


def choose(rule: AssignmentRule, *, today: dt.date | None = None) -> Choice:
    """The owner this rule gives now, and who it skipped and why."""
    today = today or timezone.localdate()
    team = team_of(rule)
    away = _away_ids(today)
    loads = dict(
        Ticket.objects.filter(owner__in=team, status__in=OPEN)
        .values("owner")
        .annotate(n=Count("id"))
        .values_list("owner", "n")
    )
    available: list[User] = []
    skipped: list[str] = []
    for person in team:
        if not person.is_active:
            skipped.append(_("%(name)s (inactive)") % {"name": person})
        elif not has_permission(person, "tickets.edit"):
            continue  # a department member who does not work on tickets is no candidate
        elif person.pk in away:
            skipped.append(_("%(name)s (away)") % {"name": person})
        elif rule.cap and loads.get(person.pk, 0) >= rule.cap:
            skipped.append(_("%(name)s (at the cap of %(cap)s)") % {"name": person, "cap": rule.cap})
        else:
            available.append(person)
    if not available:
        return Choice(rule, None, skipped)
    after = rule.last_assigned_id or 0
    turn = sorted(available, key=lambda u: (u.pk <= after, u.pk))  # the next id after the last one, wrapping round
    if rule.method == AssignmentRule.Method.LEAST_LOADED:
        low = min(loads.get(u.pk, 0) for u in available)
        turn = [u for u in turn if loads.get(u.pk, 0) == low]
    return Choice(rule, turn[0], skipped)


def rule_for(ticket: Ticket) -> AssignmentRule | None:
    return next((r for r in AssignmentRule.objects.filter(is_active=True) if _matches(r, ticket)), None)


@transaction.atomic
def ticket_auto_assign(*, actor: User | None, ticket: Ticket) -> Choice:
    """Assign a new ticket by the rules (audited and notified through the assignment); the explanation is stored on
    the ticket either way."""
    from .services import assign_owner

    rule = rule_for(ticket)
    if rule is not None:
        rule = AssignmentRule.objects.select_for_update().get(pk=rule.pk)  # one pick at a time per rule
    picked = choose(rule) if rule is not None else Choice(None, None)
    Ticket.objects.filter(pk=ticket.pk).update(assignment_note=picked.note)
    ticket.assignment_note = picked.note
    if picked.owner is not None and rule is not None:
        assign_owner(actor=actor, ticket=ticket, owner=picked.owner, note=picked.note)
        AssignmentRule.objects.filter(pk=rule.pk).update(last_assigned=picked.owner)
    return picked


# --- the rules an administrator edits (org.admin) ---------------------------------------------------------------
def _codes(data: dict[str, Any], name: str, key: str | None) -> list[str]:
    from guanxi.core.dictionaries.selectors import entry

    values = data.get(name) or []
    if isinstance(values, str):
        values = [v for v in values.replace("，", ",").split(",")]
    out = [str(v).strip() for v in values if str(v).strip()]
    if key is not None:
        unknown = [v for v in out if entry(key, v) is None]
        if unknown:
            raise field_error(name, _("Choose one of the list."))
    return list(dict.fromkeys(out))


def _rule_values(data: dict[str, Any]) -> tuple[dict[str, Any], list[User]]:
    from guanxi.commerce.models import Product
    from guanxi.org.models import Department

    data = pick(data, RULE_FIELDS)
    values: dict[str, Any] = {
        "name": clean_text(data.get("name"), "name", max_length=100, required=True),
        "is_active": bool(data.get("is_active", True)),
        "types": _codes(data, "types", "ticket_type"),
        "channels": _codes(data, "channels", "ticket_channel"),
        "customer_levels": _codes(data, "customer_levels", "customer_level"),
        "provinces": _codes(data, "provinces", None),
    }
    for name, high in (("order", 9999), ("cap", 10000)):
        try:
            values[name] = int(
                str(data.get(name) if data.get(name) not in (None, "") else (10 if name == "order" else 0))
            )
        except ValueError:
            values[name] = -1
        if not 0 <= values[name] <= high:
            raise field_error(name, _("Enter a whole number between 0 and %(max)s.") % {"max": high})
    method = str(data.get("method") or AssignmentRule.Method.ROUND_ROBIN)
    if method not in AssignmentRule.Method.values:
        raise field_error("method", _("Choose one of the list."))
    values["method"] = method
    pk = data.get("product")
    values["product"] = Product.objects.filter(pk=pk).first() if pk else None
    if pk and values["product"] is None:
        raise field_error("product", _("Choose one of the list."))
    pk = data.get("department")
    values["department"] = Department.objects.filter(pk=pk).first() if pk else None
    if pk and values["department"] is None:
        raise field_error("department", _("Choose one of the list."))
    ids = [int(i) for i in data.get("users") or [] if str(i).isdigit()]
    users = list(User.objects.filter(pk__in=ids, is_active=True))
    if len(users) != len(set(ids)):
        raise field_error("users", _("Choose one of the list."))
    if values["department"] is None and not users:
        msg = _("Name the team: a department, people, or both.")
        raise ValidationFailed(msg, fields={"department": [msg], "users": [msg]})
    return values, users


@transaction.atomic
def assignment_rule_save(*, actor: User, data: dict[str, Any], rule: AssignmentRule | None = None) -> AssignmentRule:
    require_permission(actor, "org.admin")
    values, users = _rule_values(data)
    if rule is None:
        return model_create(instance=AssignmentRule(**values), actor=actor, m2m={"users": users})
    rule, _changes = model_update(instance=rule, data={**values, "users": users}, actor=actor)
    return rule


@transaction.atomic
def assignment_rule_delete(*, actor: User, rule: AssignmentRule) -> None:
    from guanxi.core.models import AuditLog
    from guanxi.core.services import audit_record

    require_permission(actor, "org.admin")
    audit_record(actor=actor, action=AuditLog.Action.DELETE, obj=rule)
    rule.delete()
