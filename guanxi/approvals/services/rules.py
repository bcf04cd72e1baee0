"""Approval rules and the engine's settings, written by administrators (org.admin)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, model_create, model_update
from guanxi.org.policies import require_permission

from ..kinds import _KINDS
from ..models import ApprovalRule, ApprovalRuleStep, ApprovalSettings, ApproverType, Mode, Op
from ..selectors import coerce_fact
from ._engine import _json_safe

if TYPE_CHECKING:
    from guanxi.org.models import User


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
    values, cleaned_steps = _clean_rule(rule=rule, data=data, steps=steps)
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


def _clean_rule(
    *, rule: ApprovalRule | None, data: dict[str, Any], steps: list[dict[str, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The rule's field values and its cleaned steps; ValidationFailed naming every field that is wrong."""
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
    return values, cleaned_steps


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
