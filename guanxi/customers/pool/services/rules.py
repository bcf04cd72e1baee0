"""The pool rules (公海规则): the company-wide default, the rule book the job and the actions read, and an
administrator's edits."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.core.errors import InvalidStateError, PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, full_clean_or_raise, model_update, snapshot
from guanxi.org.models import Department, User

from ...dictionaries import LEVEL, STATUS
from ...models import PoolRule
from .. import policies
from ..policies import RuleBook


def pool_rules_ensure_default() -> PoolRule:
    """The company-wide rule, created with the requirement documents' defaults (30/60/60) if missing."""
    rule = policies.company_rule_pick(PoolRule.objects.filter(department__isnull=True))
    if rule is not None:
        return rule
    try:
        with transaction.atomic():
            return PoolRule.objects.create(name=_("Company-wide rule"), department=None, **policies.DEFAULTS)
    except IntegrityError:  # a concurrent worker created it first
        rule = policies.company_rule_pick(PoolRule.objects.filter(department__isnull=True))
        assert rule is not None
        return rule


def pool_rulebook() -> RuleBook:
    """All rules and the departments each governs (the company-wide rule is created on first use)."""
    company = pool_rules_ensure_default()
    return policies.rulebook_build(rules=PoolRule.objects.select_related("department"), company=company)


RULE_FIELDS = {
    "name",
    "is_active",
    "first_warning_days",
    "second_warning_days",
    "reclaim_days",
    "levels",
    "statuses",
    "reclaim_with_open_opportunity",
    "reclaim_with_active_contract",
    "daily_claim_cap",
    "reclaim_cooldown_days",
}


def _rule_check(data: dict[str, Any], held: dict[str, Any] | None = None) -> None:
    """Cross-field checks: the second warning and the reclaim come no earlier than the first warning."""
    errors: dict[str, list[str]] = {}
    first, second, reclaim = data.get("first_warning_days"), data.get("second_warning_days"), data.get("reclaim_days")
    if isinstance(first, int) and isinstance(second, int) and second < first:
        errors["second_warning_days"] = [
            _("The second warning cannot come before the first (%(days)s days).") % {"days": first}
        ]
    if isinstance(first, int) and isinstance(reclaim, int) and reclaim < first:
        errors["reclaim_days"] = [
            _("The return to the pool cannot come before the first warning (%(days)s days).") % {"days": first}
        ]
    for name in (
        "first_warning_days",
        "second_warning_days",
        "reclaim_days",
        "reclaim_cooldown_days",
        "daily_claim_cap",
    ):
        value = data.get(name)
        limit = policies.CLAIM_CAP_MAX if name == "daily_claim_cap" else policies.DAYS_MAX
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= limit):
            errors[name] = [_("Enter a whole number from 0 to %(max)s.") % {"max": limit}]
    if isinstance(first, int) and first < 1:
        errors["first_warning_days"] = [
            _("Ensure this value is greater than or equal to %(limit_value)s.") % {"limit_value": 1}
        ]
    for name, key in (("levels", LEVEL), ("statuses", STATUS)):
        value = data.get(name)
        if value is None:
            continue
        # A rule names the dictionary's entries: any current one, or a retired one it already named.
        allowed = dictionaries.codes(key, active_only=True) + list((held or {}).get(name) or [])
        if not isinstance(value, list | tuple) or any(v not in allowed for v in value):
            errors[name] = [
                _("%(field)s: choose from %(choices)s.")
                % {"field": capfirst(PoolRule._meta.get_field(name).verbose_name), "choices": ", ".join(allowed)}
            ]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)


def pool_rule_save(
    *, actor: User, data: dict[str, Any], rule: PoolRule | None = None, department: Department | None = None
) -> PoolRule:
    """Create or edit a pool rule. A new rule is for `department`, or the company-wide one if that is missing.

    Needs org.admin, or customers.assign with the ALL data scope.
    """
    if not policies.can_manage_rules(actor):
        raise PermissionDeniedError(_("Only administrators may change the public-pool rules."))
    unknown = set(data) - RULE_FIELDS
    if unknown:
        raise ValidationFailed(
            _("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))},
            fields={k: [_("This field cannot be set here.")] for k in sorted(unknown)},
        )
    data = dict(data)
    if "name" in data:
        data["name"] = " ".join(str(data["name"] or "").split())
    for name in ("levels", "statuses"):
        if name in data and data[name] is not None:
            data[name] = list(dict.fromkeys(data[name])) if isinstance(data[name], list | tuple) else data[name]
    with transaction.atomic():
        if rule is None:
            if department is None and PoolRule.objects.filter(department__isnull=True).exists():
                raise ValidationFailed(
                    _("There is already a company-wide rule; edit it instead."),
                    fields={"department": [_("There is already a company-wide rule; edit it instead.")]},
                )
            if department is not None and PoolRule.objects.filter(department=department).exists():
                raise ValidationFailed(
                    _("%(department)s already has a rule; edit it instead.") % {"department": department},
                    fields={"department": [_("This department already has a rule.")]},
                )
            merged = {**policies.DEFAULTS, "name": str(department or _("Company-wide rule")), **data}
            _rule_check(merged)
            rule = PoolRule(department=department, **merged)
            full_clean_or_raise(rule)
            rule.save(force_insert=True)
            audit_record(
                actor=actor,
                action=AuditLog.Action.CREATE,
                obj=rule,
                changes={k: [None, v] for k, v in snapshot(rule).items()},
            )
            return rule
        rule = PoolRule.objects.select_for_update(of=("self",)).get(pk=rule.pk)
        current = {name: getattr(rule, name) for name in RULE_FIELDS}
        _rule_check({**current, **data}, held=current)
        rule, _changes = model_update(instance=rule, data=data, actor=actor)
    return rule


def pool_rule_delete(*, actor: User, rule: PoolRule) -> None:
    """Remove a department's rule: its departments fall back to the parent's rule (the company-wide one stays)."""
    if not policies.can_manage_rules(actor):
        raise PermissionDeniedError(_("Only administrators may change the public-pool rules."))
    if rule.department_id is None:
        raise InvalidStateError(_("The company-wide rule cannot be deleted; switch it off instead."))
    with transaction.atomic():
        audit_record(
            actor=actor, action=AuditLog.Action.DELETE, obj=rule, changes={"department": [str(rule.department), None]}
        )
        PoolRule.objects.filter(pk=rule.pk).delete()
