"""Approval rules and the reminder policy, for administrators (org.admin): list, edit, delete."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError, ValidationFailed
from guanxi.org.policies import require_permission
from guanxi.org.selectors import position_choices, role_choices, user_choices

from . import selectors, services
from .kinds import _KINDS, kind_label
from .models import ApprovalRule, ApprovalSettings, ApproverType, Mode, Op

BLANK_CONDITIONS = 2
BLANK_STEPS = 1


def _kind_choices() -> list[tuple[str, str]]:
    codes = {k for k in _KINDS if not k.startswith("test")} | selectors.approval_rule_kinds()
    return sorted(((c, kind_label(c)) for c in codes), key=lambda kv: kv[1])


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "org.admin")
    kind = request.GET.get("kind") or ""
    rules = list(selectors.approval_rules(kind).order_by("kind", "priority", "id"))
    groups: dict[str, list[ApprovalRule]] = {}
    for rule in rules:
        rule.kind_label = kind_label(rule.kind)  # type: ignore[attr-defined]
        rule.condition_text = _conditions_text(rule)  # type: ignore[attr-defined]
        groups.setdefault(rule.kind, []).append(rule)
    context = {
        "groups": [(kind_label(k), k, v) for k, v in groups.items()],
        "count": len(rules),
        "kind": kind,
        "kinds": _kind_choices(),
        "settings": ApprovalSettings.current(),
    }
    return render(request, "approvals/rules.html", context)


def _conditions_text(rule: ApprovalRule) -> str:
    spec = _KINDS.get(rule.kind)
    facts = spec.facts if spec else {}
    parts = []
    for c in rule.conditions or []:
        label = str(facts[c["fact"]].label) if c.get("fact") in facts else c.get("fact", "")
        value = selectors.format_fact_value(str(c.get("fact", "")), c.get("value"), facts)
        parts.append(f"{label} {Op(c['op']).label if c.get('op') in Op.values else c.get('op')} {value}")
    return _(" and ").join(parts) if parts else _("Always")


def _parse(post: QueryDict) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    conditions = []
    for i in range(min(int(post.get("condition_count") or 0), 50)):
        fact = (post.get(f"cond-{i}-fact") or "").strip()
        if not fact or post.get(f"cond-{i}-delete"):
            continue
        conditions.append({"fact": fact, "op": post.get(f"cond-{i}-op", ""), "value": post.get(f"cond-{i}-value", "")})
    steps = []
    for i in range(min(int(post.get("step_count") or 0), 50)):
        label = (post.get(f"step-{i}-label") or "").strip()
        approver_type = post.get(f"step-{i}-approver_type") or ""
        if (not label and not approver_type) or post.get(f"step-{i}-delete"):
            continue
        codes_field = "roles" if approver_type == ApproverType.ROLE else "positions"
        steps.append(
            {
                "label": label,
                "approver_type": approver_type,
                "codes": post.getlist(f"step-{i}-{codes_field}"),
                "users": [int(u) for u in post.getlist(f"step-{i}-users") if u.isdigit()],
                "same_department": bool(post.get(f"step-{i}-same_department")),
                "mode": post.get(f"step-{i}-mode") or Mode.ANY,
            }
        )
    try:
        priority = int(post.get("priority") or 100)
    except ValueError:
        raise ValidationFailed(_("Please correct the errors below."), fields={"priority": [_("Enter a whole number.")]})
    data = {
        "kind": post.get("kind", ""),
        "name": post.get("name", ""),
        "priority": priority,
        "is_active": bool(post.get("is_active")),
        "conditions": conditions,
    }
    return data, steps


def _rows(rule: ApprovalRule | None, data: dict[str, Any] | None, steps: list[dict[str, Any]] | None) -> Any:
    if data is not None:
        conditions = list(data["conditions"])
        step_rows = list(steps or [])
    elif rule is not None:
        conditions = list(rule.conditions or [])
        step_rows = [
            {
                "label": s.label,
                "approver_type": s.approver_type,
                "codes": list(s.codes or []),
                "users": [u.pk for u in s.users.all()],
                "same_department": s.same_department,
                "mode": s.mode,
            }
            for s in rule.steps.all()
        ]
    else:
        conditions, step_rows = [], []
    for c in conditions:
        if isinstance(c.get("value"), list):
            c["value"] = ", ".join(str(v) for v in c["value"])
    conditions += [{"fact": "", "op": "", "value": ""}] * BLANK_CONDITIONS
    step_rows += [
        {"label": "", "approver_type": "", "codes": [], "users": [], "same_department": False, "mode": "any"}
    ] * BLANK_STEPS
    return conditions, step_rows


def _render_form(
    request: HttpRequest,
    rule: ApprovalRule | None,
    kind: str,
    *,
    data: dict[str, Any] | None = None,
    steps: list[dict[str, Any]] | None = None,
    error: ApplicationError | None = None,
) -> HttpResponse:
    conditions, step_rows = _rows(rule, data, steps)
    spec = _KINDS.get(kind)
    values = data or (
        {"kind": rule.kind, "name": rule.name, "priority": rule.priority, "is_active": rule.is_active}
        if rule
        else {"kind": kind, "name": "", "priority": 100, "is_active": True}
    )
    context = {
        "rule": rule,
        "values": values,
        "kind": kind,
        "kinds": _kind_choices(),
        "facts": [(code, str(f.label)) for code, f in (spec.facts.items() if spec else [])],
        "ops": Op.choices,
        "modes": Mode.choices,
        "approver_types": ApproverType.choices,
        "roles": [(r.code, str(r)) for r in role_choices(user=request.user)],
        "positions": [(p.code, p.name) for p in position_choices(user=request.user)],
        "users": list(user_choices(user=request.user)),
        "conditions": conditions,
        "steps": step_rows,
        "error": error,
    }
    return render(request, "approvals/rule_form.html", context, status=400 if error else 200)


@login_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_permission(request.user, "org.admin")
    rule = selectors.approval_rule_get(user=request.user, pk=pk) if pk is not None else None
    kind = rule.kind if rule else (request.POST.get("kind") or request.GET.get("kind") or "")
    if request.method != "POST":
        return _render_form(request, rule, kind)
    data: dict[str, Any] | None = None
    steps: list[dict[str, Any]] | None = None
    try:
        data, steps = _parse(request.POST)
        if rule is None:
            rule = services.approval_rule_create(actor=request.user, data=data, steps=steps)
        else:
            rule = services.approval_rule_update(actor=request.user, rule=rule, data=data, steps=steps)
    except ApplicationError as exc:
        return _render_form(request, rule, kind, data=data, steps=steps, error=exc)
    messages.success(request, _("Approval rule saved."))
    return redirect(f"{_list_url()}?kind={rule.kind}")


def _list_url() -> str:
    from django.urls import reverse

    return reverse("approvals:rule_list")


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.approval_rule_get(user=request.user, pk=pk)
    services.approval_rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("Approval rule deleted. Running approvals keep their approvers."))
    return redirect("approvals:rule_list")


@login_required
@require_POST
def settings_update(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "org.admin")
    try:
        hours = int(request.POST.get("reminder_after_hours") or "")
        services.approval_settings_update(actor=request.user, reminder_after_hours=hours)
    except ValueError:
        messages.error(request, _("Enter a whole number of hours."))
    except ApplicationError as exc:
        messages.error(request, " ".join([exc.message, *(m for ms in exc.fields.values() for m in ms)]))
    else:
        messages.success(request, _("Reminder policy saved."))
    return redirect("approvals:rule_list")
