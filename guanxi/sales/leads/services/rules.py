"""Administration of the lead assignment rules (admin-edited data; needs leads.assign)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.core.errors import NotFoundError, ValidationFailed
from guanxi.core.inputs import pick
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, check_version, model_create, model_update
from guanxi.org.models import User
from guanxi.org.policies import has_permission, require_permission

from .. import selectors
from ..models import LeadAssignmentRule

# --- assignment rules ------------------------------------------------------------------------
RULE_FIELDS = {
    "name",
    "priority",
    "is_active",
    "provinces",
    "industries",
    "sizes",
    "sources",
    "target_user",
    "target_department",
    "distribution",
    "max_open_leads",
}


def _text_list(value: Any, field: str, max_length: int) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.replace("、", ",").replace("，", ",").replace("\n", ",").split(",")
    if not isinstance(value, list | tuple):
        raise ValidationFailed(_("Enter a list."), fields={field: [_("Enter a list.")]})
    items = list(dict.fromkeys(" ".join(str(v).split()) for v in value if str(v).strip()))
    if len(items) > 100 or any(len(i) > max_length for i in items):
        msg = _("At most 100 entries of up to %(max)s characters each.") % {"max": max_length}
        raise ValidationFailed(msg, fields={field: [msg]})
    return items


def _dictionary_list(value: Any, field: str, key: str, held: list[str] | None = None) -> list[str]:
    """Entries of a dictionary, by code or label (stored as codes): the active ones, or retired ones the rule
    already names."""
    items = _text_list(value, field, 100)
    codes = [dictionaries.resolve(key, i) or i for i in items]
    allowed = set(dictionaries.codes(key, active_only=True)) | set(held or [])
    unknown = [i for i, code in zip(items, codes, strict=True) if code not in allowed]
    if unknown:
        msg = _("Unknown value(s): %(values)s") % {"values": ", ".join(unknown)}
        raise ValidationFailed(msg, fields={field: [msg]})
    return list(dict.fromkeys(codes))


def _clean_rule(data: dict[str, Any], current: LeadAssignmentRule | None = None) -> dict[str, Any]:
    data = pick(data, RULE_FIELDS)
    if "priority" in data and data["priority"] is None:
        del data["priority"]  # keep the current place (a new rule goes last)
    if "name" in data:
        data["name"] = " ".join(str(data["name"] or "").split())
    if "provinces" in data:
        data["provinces"] = _text_list(data["provinces"], "provinces", 30)
    for name, key in (("industries", "industry"), ("sizes", "company_size"), ("sources", "customer_source")):
        if name in data:
            data[name] = _dictionary_list(data[name], name, key, getattr(current, name, None))
    target_user = data.get("target_user", current.target_user if current else None)
    target_dept = data.get("target_department", current.target_department if current else None)
    if (target_user is None) == (target_dept is None):
        msg = _("Choose either a user or a team to receive the leads.")
        raise ValidationFailed(msg, fields={"target_user": [msg], "target_department": [msg]})
    if "target_user" in data and target_user is not None:
        if not target_user.is_active:
            raise ValidationFailed(_("That account is closed."), fields={"target_user": [_("Choose an active user.")]})
        if not has_permission(target_user, "leads.view"):
            msg = _("%(user)s may not view leads; choose someone else.") % {"user": target_user}
            raise ValidationFailed(msg, fields={"target_user": [msg]})
    if data.get("max_open_leads") == 0:
        msg = _("Leave the cap empty for no cap, or enter at least 1.")
        raise ValidationFailed(msg, fields={"max_open_leads": [msg]})
    return data


def assignment_rule_create(*, actor: User, data: dict[str, Any]) -> LeadAssignmentRule:
    require_permission(actor, selectors.RULE_ADMIN)
    data = _clean_rule(data)
    if "priority" not in data:
        last = LeadAssignmentRule.objects.order_by("-priority").values_list("priority", flat=True).first()
        data["priority"] = (last or 0) + 10
    with transaction.atomic():
        return model_create(instance=LeadAssignmentRule(**data), actor=actor)


def assignment_rule_update(
    *, actor: User, rule: LeadAssignmentRule, data: dict[str, Any], expected_version: int | None = None
) -> LeadAssignmentRule:
    with transaction.atomic():
        rule = selectors.assignment_rule_list(user=actor).select_for_update(of=("self",)).get(pk=rule.pk)
        check_version(rule, expected_version)
        rule, _changes = model_update(
            instance=rule, data=_clean_rule(data, current=rule), actor=actor, expected_version=expected_version
        )
    return rule


def assignment_rule_delete(*, actor: User, rule: LeadAssignmentRule) -> None:
    with transaction.atomic():
        rule = selectors.assignment_rule_get(user=actor, pk=rule.pk)
        audit_record(actor=actor, action=AuditLog.Action.DELETE, obj=rule)
        rule.delete()


def assignment_rule_move(*, actor: User, rule: LeadAssignmentRule, direction: str) -> list[LeadAssignmentRule]:
    """Move a rule one place up or down; priorities are renumbered 10, 20, 30… Returns the new order."""
    if direction not in ("up", "down"):
        raise ValidationFailed(_("Choose up or down."), fields={"direction": [_("Choose up or down.")]})
    with transaction.atomic():
        rules = list(
            selectors.assignment_rule_list(user=actor).select_for_update(of=("self",)).order_by("priority", "id")
        )
        index = next((i for i, r in enumerate(rules) if r.pk == rule.pk), None)
        if index is None:
            raise NotFoundError(_("Not found, or you may not see it."))
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(rules):
            rules[index], rules[other] = rules[other], rules[index]
        for position, r in enumerate(rules, start=1):
            if r.priority != position * 10:
                model_update(instance=r, data={"priority": position * 10}, actor=actor)
    return rules
