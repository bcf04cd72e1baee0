"""Rule matching and the route explanation: coercing and testing facts against a rule's conditions, finding
each step's approvers, and who stands in for an approver on a given day."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.money import format_cny
from guanxi.org.models import Department, User

from ..kinds import FactSpec, document_kind, fact_format
from ..models import ApprovalDelegation, ApprovalRule, ApprovalRuleStep, ApproverType, Mode, Op


# --- facts and conditions --------------------------------------------------------------------
def coerce_fact(value: Any, type_: str) -> Any:
    """A fact or condition value in its declared type; raises ValueError when it cannot be read."""
    if value is None:
        return None
    if type_ == "decimal":
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise ValueError(value) from None
    if type_ in ("int", "department"):
        if isinstance(value, bool):
            raise ValueError(value)
        return int(value)
    if type_ == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes", "y", "on"):
            return True
        if text in ("false", "0", "no", "n", "off", ""):
            return False
        raise ValueError(value)
    return str(value)


def _infer_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, Decimal | float):
        return "decimal"
    if isinstance(value, list) and value:
        return _infer_type(value[0])
    return "str"


def _spec_type(specs: dict[str, FactSpec], fact: str, value: Any) -> str:
    spec = specs.get(fact)
    return spec.type if spec is not None else _infer_type(value)


def condition_holds(condition: dict[str, Any], facts: dict[str, Any], specs: dict[str, FactSpec]) -> bool:
    """One {fact, op, value}; a missing fact or an unreadable value never holds."""
    fact, op, expected = condition.get("fact"), condition.get("op"), condition.get("value")
    if fact not in facts or facts[fact] is None:
        return False
    type_ = _spec_type(specs, str(fact), facts[fact])
    try:
        actual = coerce_fact(facts[fact], type_)
        if op == Op.IN:
            options = [coerce_fact(v, type_) for v in (expected if isinstance(expected, list) else [expected])]
            return actual in options
        target = coerce_fact(expected, type_)
    except (ValueError, TypeError):
        return False
    if op == Op.EQ:
        return actual == target
    if op == Op.NE:
        return actual != target
    try:
        if op == Op.LT:
            return actual < target
        if op == Op.LTE:
            return actual <= target
        if op == Op.GT:
            return actual > target
        if op == Op.GTE:
            return actual >= target
    except TypeError:
        return False
    return False


def format_fact_value(fact: str, value: Any, specs: dict[str, FactSpec]) -> str:
    spec = specs.get(fact)
    fmt = fact_format(fact, spec)
    if isinstance(value, list):
        return "、".join(format_fact_value(fact, v, specs) for v in value)
    type_ = _spec_type(specs, fact, value)
    try:
        value = coerce_fact(value, type_)
    except (ValueError, TypeError):
        return str(value)
    if value is None:
        return "—"
    if type_ == "bool":
        return _("yes") if value else _("no")
    if type_ == "department":
        dept = Department.objects.filter(pk=value).only("name").first()
        return dept.name if dept is not None else str(value)
    if fmt == "discount" and isinstance(value, Decimal):
        if (get_language() or "").startswith("zh"):
            tenths = (value * 10).normalize()
            return f"{tenths:f}折"
        return f"{(value * 100).normalize():f}%"
    if fmt == "money" and isinstance(value, Decimal | int):
        return format_cny(value)
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def _op_words() -> dict[str, str]:
    return {
        Op.LT: _("below"),
        Op.LTE: _("at most"),
        Op.GT: _("above"),
        Op.GTE: _("at least"),
        Op.EQ: _("is"),
        Op.NE: _("is not"),
        Op.IN: _("is one of"),
    }


_NEGATED: dict[str, str] = {Op.LT: Op.GTE, Op.LTE: Op.GT, Op.GT: Op.LTE, Op.GTE: Op.LT, Op.EQ: Op.NE, Op.NE: Op.EQ}


def describe_condition(
    condition: dict[str, Any], facts: dict[str, Any], specs: dict[str, FactSpec], *, negate: bool = False
) -> str:
    """'最低折扣 4.8折 低于 5折' (the document's value, then the rule's); negated for a rule that did not match."""
    fact = str(condition.get("fact", ""))
    op = str(condition.get("op", ""))
    spec = specs.get(fact)
    label = str(spec.label) if spec is not None else fact
    words = _op_words().get(op, op)
    if negate:
        words = _("is not one of") if op == Op.IN else _op_words().get(_NEGATED.get(op, op), op)
    actual = format_fact_value(fact, facts.get(fact), specs)
    if op in (Op.EQ, Op.NE) and _spec_type(specs, fact, condition.get("value")) == "bool":
        # A yes/no fact reads as the document's answer ("标准合同文本：否"), not "否 不是 是".
        return _("%(label)s: %(value)s") % {"label": label, "value": actual}
    expected = format_fact_value(fact, condition.get("value"), specs)
    return f"{label} {actual} {words} {expected}"


def _describe_all(conditions: list[dict[str, Any]], facts: dict[str, Any], specs: dict[str, FactSpec]) -> list[str]:
    """One phrase per fact: '最低折扣 4.8折 低于 5折 且不低于 4.5折'."""
    phrases: dict[str, str] = {}
    for condition in conditions:
        fact = str(condition.get("fact", ""))
        if fact not in phrases:
            phrases[fact] = describe_condition(condition, facts, specs)
            continue
        op = str(condition.get("op", ""))
        words = _op_words().get(op, op)
        phrases[fact] += _(" and ") + f"{words} {format_fact_value(fact, condition.get('value'), specs)}"
    return list(phrases.values())


# --- approver resolution ---------------------------------------------------------------------
def _active(qs: QuerySet[User]) -> list[User]:
    return list(qs.filter(is_active=True).distinct().order_by("pk"))


def _department_chain(applicant: User) -> list[Department]:
    """The applicant's department and its ancestors, nearest first."""
    dept = applicant.department if applicant.department_id is not None else None
    if dept is None:
        return []
    ids = [int(p) for p in dept.path.strip("/").split("/") if p]
    if dept.pk not in ids:
        ids.append(dept.pk)
    by_id = {d.pk: d for d in Department.objects.filter(pk__in=ids).select_related("manager")}
    return [by_id[i] for i in reversed(ids) if i in by_id]


def _department_manager(applicant: User) -> list[User]:
    """The nearest department manager up the tree who is not the applicant.

    A team (班组/小组) is not a department: a team lead does not hold the department manager's authority
    (销售部门经理), so teams are passed over, unless no unit above the team has a manager."""
    chain = _department_chain(applicant)
    for passes in ([d for d in chain if d.kind != Department.Kind.TEAM], chain):
        for dept in passes:
            manager = dept.manager
            if manager is not None and manager.is_active and manager.pk != applicant.pk:
                return [manager]
    return []


def _by_codes(step: ApprovalRuleStep, applicant: User) -> list[User]:
    field_name = "roles__code__in" if step.approver_type == ApproverType.ROLE else "position__code__in"
    qs = User.objects.filter(**{field_name: list(step.codes or [])})
    if not step.same_department:
        return _active(qs)
    chain = _department_chain(applicant)
    for dept in chain:
        found = [u for u in _active(qs.filter(department=dept)) if u.pk != applicant.pk]
        if found:
            return found
    if chain:  # nobody above: someone in the applicant's sub-departments (a team's business manager)
        home = chain[0]
        return [u for u in _active(qs.filter(department__path__startswith=home.path)) if u.pk != applicant.pk]
    return []


def resolve_step_approvers(step: ApprovalRuleStep, applicant: User) -> list[User]:
    """Who approves this step for this applicant, never the applicant themself.

    When leaving out the applicant empties the step, the step goes to the applicant's department manager
    (walking up the department tree); an empty list means nobody can approve it.
    """
    kind = step.approver_type
    if kind == ApproverType.DEPARTMENT_MANAGER:
        return _department_manager(applicant)
    if kind == ApproverType.MANAGER:
        manager = applicant.manager
        if manager is not None and manager.is_active and manager.pk != applicant.pk:
            return [manager]
        return _department_manager(applicant)
    if kind in (ApproverType.ROLE, ApproverType.POSITION):
        users = _by_codes(step, applicant)
    elif kind == ApproverType.USERS:
        users = _active(step.users.all())
    else:
        users = []
    others = [u for u in users if u.pk != applicant.pk]
    if users and not others:
        return _department_manager(applicant)
    return others


# --- route plan -------------------------------------------------------------------------------
class PlannedStep(NamedTuple):
    label: str  # in the reader's language
    mode: str  # "any" | "all"
    users: list[User]


@dataclass
class RoutePlan:
    kind: str
    rule: ApprovalRule
    explanation: str
    steps: list[PlannedStep]
    reasons: list[str] = field(default_factory=list)
    # The labels as stored on the rule (English msgids for seeded rules), parallel to `steps`.
    raw_labels: list[str] = field(default_factory=list)


def _rules_for(kind: str) -> list[ApprovalRule]:
    return list(
        ApprovalRule.objects.filter(kind=kind, is_active=True)
        .order_by("priority", "id")
        .prefetch_related(Prefetch("steps", queryset=ApprovalRuleStep.objects.order_by("order", "id")))
    )


def approval_rule_matching(*, kind: str, facts: dict[str, Any]) -> ApprovalRule | None:
    """The rule a document with these facts would follow, or None when none applies: for documents that need
    approval only above a threshold an administrator sets as a rule's condition (a campaign's budget)."""
    spec = document_kind(kind)
    for rule in _rules_for(kind):
        if all(condition_holds(c, facts, spec.facts) for c in rule.conditions or []):
            return rule
    return None


def approval_route_explain(*, kind: str, facts: dict[str, Any], applicant: User) -> RoutePlan:
    """Which rule matches (first active one by priority, then id) and why, and who approves each step.

    Raises ValidationFailed when no rule matches or a step has nobody to approve (naming the step).
    """
    spec = document_kind(kind)
    skipped: list[str] = []
    matched: ApprovalRule | None = None
    for rule in _rules_for(kind):
        conditions = list(rule.conditions or [])
        failing = [c for c in conditions if not condition_holds(c, facts, spec.facts)]
        if not failing:
            matched = rule
            break
        skipped.append(describe_condition(failing[0], facts, spec.facts, negate=True))
    if matched is None:
        message = _("No approval rule applies to this %(kind)s; ask an administrator to add one.") % {
            "kind": spec.label
        }
        raise ValidationFailed(message, fields={"__all__": [message]})

    rule_steps = list(matched.steps.all())
    if not rule_steps:
        message = _("The approval rule “%(rule)s” has no steps.") % {"rule": matched}
        raise ValidationFailed(message, fields={"__all__": [message]})
    steps: list[PlannedStep] = []
    for rule_step in rule_steps:
        users = resolve_step_approvers(rule_step, applicant)
        label = gettext(rule_step.label)
        if not users:
            message = _("Nobody can approve the step “%(step)s” of the rule “%(rule)s”.") % {
                "step": label,
                "rule": matched,
            }
            raise ValidationFailed(message, fields={"__all__": [message]})
        steps.append(PlannedStep(label, rule_step.mode, users))

    conditions = list(matched.conditions or [])
    if conditions:
        reasons = _describe_all(conditions, facts, spec.facts)
    elif skipped:
        reasons = skipped
    else:
        reasons = [_("the rule “%(rule)s” applies to every %(kind)s") % {"rule": matched, "kind": spec.label}]
    chain = " → ".join(s.label + (_(" (countersign)") if s.mode == Mode.ALL else "") for s in steps)
    explanation = _("This %(kind)s needs approval by %(approvers)s: %(reasons)s") % {
        "kind": spec.label,
        "approvers": chain,
        "reasons": _("; ").join(reasons),
    }
    return RoutePlan(
        kind=kind,
        rule=matched,
        explanation=explanation,
        steps=steps,
        reasons=reasons,
        raw_labels=[s.label for s in rule_steps],
    )


def _direct_delegate(user: User, day: Any) -> User | None:
    delegation = (
        ApprovalDelegation.objects.filter(user=user, is_active=True, start_date__lte=day, end_date__gte=day)
        .select_related("delegate")
        .order_by("-start_date", "-id")
        .first()
    )
    if delegation is None or not delegation.delegate.is_active or delegation.delegate_id == user.pk:
        return None
    return delegation.delegate


def delegate_for(user: User, *, on: Any = None) -> User | None:
    """Who acts for a user on a date (today by default): their delegate, or the delegate's delegate when that
    one is away too (a loop back to someone already passed stops at the last person not away)."""
    day = on or timezone.localdate()
    seen = {user.pk}
    current: User | None = None
    nxt = _direct_delegate(user, day)
    while nxt is not None and nxt.pk not in seen and len(seen) < 10:
        current = nxt
        seen.add(nxt.pk)
        nxt = _direct_delegate(nxt, day)
    return current
