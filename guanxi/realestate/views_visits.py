"""Pages of the sales office (thin): visit registration (fast on a phone or tablet at the reception), a visitor's
page (visits, questionnaire, grade, follow-ups), the visitors list, and the project's office set-up (members, duty
rotation, grading rules)."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.custom_fields.display import custom_values_shown
from guanxi.core.custom_fields.forms import custom_errors_to_form, custom_values_form, custom_values_or_refuse
from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from guanxi.core.inputs import field_error
from guanxi.customers.models import FollowUp
from guanxi.org.lists.views import list_page
from guanxi.org.models import User
from guanxi.org.policies import has_permission, require_permission

from . import selectors, services_visits
from .dictionaries import VISIT_SOURCE
from .feature import when_enabled
from .models import Grade, GradeRule, Project
from .views import _run

visitor_list = when_enabled(list_page("re_visitors"))


def _errors(exc: ApplicationError) -> dict[str, Any]:
    return getattr(exc, "fields", None) or {"__all__": [exc.message]}


@login_required
@when_enabled
def visit_new(request: HttpRequest) -> HttpResponse:
    """Register a visit: phone first (it recognises a return), then the name for a first visit, the source, the
    party, and the questionnaire."""
    user = request.user
    require_permission(user, "re_visitors.create")
    projects = list(selectors.project_list(user=user).order_by("name"))
    if not projects:
        raise NotFoundError(_("You do not work on any project."))
    wanted = request.POST.get("project") or request.GET.get("project") or ""
    project = next((p for p in projects if str(p.pk) == wanted), projects[0])
    post = request.POST if request.method == "POST" else None
    form = custom_values_form(user=user, target=services_visits.QUESTIONNAIRE, data=post)
    errors: dict[str, Any] = {}
    values = {k: (post or request.GET).get(k, "") for k in ("phone", "name", "source", "party_size", "note", "agent")}
    if post is not None:
        try:
            answers = custom_values_or_refuse(form)
            visit = services_visits.visit_register(actor=user, project=project, data={**values, "answers": answers})
        except (PermissionDeniedError, NotFoundError):
            raise
        except ApplicationError as exc:
            errors = _errors(exc)
            custom_errors_to_form(form, errors)
        else:
            visitor = visit.visitor
            if visit.is_return:
                messages.success(request, _("Return visit of %(name)s (visit %(n)s): agent %(agent)s.") % {
                    "name": visitor.customer.name, "n": visitor.visit_count, "agent": visit.agent})  # fmt: skip
            else:
                messages.success(request, _("First visit of %(name)s: agent %(agent)s.") % {
                    "name": visitor.customer.name, "agent": visit.agent})  # fmt: skip
            if not selectors.visitor_list(user=user).filter(pk=visitor.pk).exists():
                # the rotation gave the visitor to a colleague whose visitors this user does not see: the next one
                return redirect(f"{reverse('realestate:visit_new')}?project={project.pk}")
            return redirect("realestate:visitor_detail", visitor.pk)
    members = selectors.project_members(user=user, project=project)
    return render(request, "realestate/visits/new.html", {
        "projects": projects, "project": project, "values": values, "errors": errors, "form": form,
        "sources": dictionaries.active_choices(VISIT_SOURCE), "members": members,
        "next_agent": services_visits.agent_next(project=project, lock=False),
    }, status=400 if errors else 200)  # fmt: skip


@login_required
@when_enabled
def visitor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    visitor = selectors.visitor_get(user=user, pk=pk)
    post = request.POST if request.method == "POST" else None
    action = (post or {}).get("action", "")
    form = custom_values_form(user=user, target=services_visits.QUESTIONNAIRE, instance=visitor,
                              data=post if action == "answers" else None)  # fmt: skip
    errors: dict[str, Any] = {}
    if post is not None:
        try:
            if action == "answers":
                answers = custom_values_or_refuse(form)
                data = {"answers": answers, "source": post.get("source", "")}
                if post.get("agent"):
                    data["agent"] = post["agent"]
                services_visits.visitor_update(actor=user, visitor=visitor, data=data)
                messages.success(request, _("Saved."))
            elif action == "follow_up":
                services_visits.visitor_follow_up(actor=user, visitor=visitor, data={
                    "content": post.get("content", ""), "method": post.get("method") or FollowUp.Method.PHONE,
                    "next_follow_up_on": post.get("next_follow_up_on") or None,
                })  # fmt: skip
                messages.success(request, _("Follow-up recorded."))
            else:
                raise NotFoundError(_("Not found."))
            return redirect("realestate:visitor_detail", visitor.pk)
        except (PermissionDeniedError, NotFoundError):
            raise
        except ApplicationError as exc:
            errors = _errors(exc)
            custom_errors_to_form(form, errors)
    follow_ups = FollowUp.objects.filter(customer=visitor.customer).select_related("author").order_by("-occurred_at")
    return render(request, "realestate/visits/visitor.html", {
        "visitor": visitor, "visits": visitor.visits.select_related("agent", "registered_by"),
        "answers": custom_values_shown(user, visitor, target=services_visits.QUESTIONNAIRE), "form": form,
        "errors": errors, "follow_ups": follow_ups[:30], "methods": FollowUp.Method.choices,
        "sources": dictionaries.active_choices(VISIT_SOURCE, keep=[visitor.source]),
        "members": selectors.project_members(user=user, project=visitor.project),
        "can_edit": has_permission(user, "re_visitors.edit"),
        "can_admin": has_permission(user, "re_visitors.admin"),
        "can_customer": has_permission(user, "customers.view"),
    }, status=400 if errors else 200)  # fmt: skip


# --- the sales office's set-up: members, the duty rotation, grading rules -----------------------------------------
_CONDITION = re.compile(r"^\s*([A-Za-z_][\w]*)\s*(>=|<=|!=|=|>|<|\bin\b)\s*(.+?)\s*$")
_OPS = {">=": "gte", "<=": "lte", "!=": "ne", "=": "eq", ">": "gt", "<": "lt", "in": "in"}
_SYMBOLS = {v: k for k, v in _OPS.items()}


def conditions_parse(text: str) -> list[dict[str, Any]]:
    """One condition a line, `fact op value`: `visits >= 2`, `source = referral`, `purpose in upgrade, school`."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        m = _CONDITION.match(line)
        if m is None:
            raise field_error("conditions", _("Write each condition as “fact op value”, e.g. “visits >= 2”."))
        fact, op, value = m.group(1), _OPS[m.group(2)], m.group(3)
        out.append({"fact": fact, "op": op, "value": [v.strip() for v in value.split(",")] if op == "in" else value})
    return out


def conditions_text(conditions: list[dict[str, Any]]) -> str:
    def value(v: Any) -> str:
        return ", ".join(map(str, v)) if isinstance(v, list) else str(v)

    return "\n".join(f"{c['fact']} {_SYMBOLS.get(c['op'], c['op'])} {value(c.get('value'))}" for c in conditions)


@login_required
@when_enabled
def project_office(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = selectors.project_get(user=user, pk=pk)
    members = list(selectors.project_members(user=user, project=project))
    rules = GradeRule.objects.filter(project__isnull=True) | GradeRule.objects.filter(project=project)
    taken = {m.user_id for m in members}
    candidates = User.objects.filter(is_active=True).exclude(pk__in=taken).order_by("username")
    return render(request, "realestate/visits/office.html", {
        "project": project, "members": members, "rules": [(r, conditions_text(r.conditions)) for r in
                                                          rules.order_by("priority", "id")],
        "grades": Grade.choices, "candidates": candidates,
        "can_admin": has_permission(user, "re_visitors.admin"),
        "next_agent": services_visits.agent_next(project=project, lock=False),
    })  # fmt: skip


@login_required
@when_enabled
@require_POST
def project_office_change(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    user = request.user
    project: Project = selectors.project_get(user=user, pk=pk)
    post = request.POST

    def member() -> Any:
        return get_object_or_404(User, pk=post.get("user") or 0)

    actions = {
        "member": lambda: services_visits.project_member_set(
            actor=user, project=project, user=member(), on_rotation=bool(post.get("on_rotation")),
            absent=bool(post.get("absent"))),
        "remove": lambda: services_visits.project_member_remove(actor=user, project=project, user=member()),
        "absent": lambda: services_visits.project_member_absent(
            actor=user, project=project, user=member(), absent=post.get("absent") == "1"),
        "rule": lambda: _rule_save(user, project, post),
    }  # fmt: skip
    if what not in actions:
        raise NotFoundError(_("Not found."))
    _run(request, actions[what], _("Saved."))
    return redirect("realestate:project_office", project.pk)


def _rule_save(user: Any, project: Project, post: Any) -> GradeRule:
    rule = None
    if post.get("rule"):
        rule = get_object_or_404(GradeRule.objects.filter(project=project) | GradeRule.objects.filter(
            project__isnull=True), pk=post["rule"])  # fmt: skip
    data = {
        "name": post.get("name", ""), "grade": post.get("grade", ""), "priority": post.get("priority") or 10,
        "conditions": conditions_parse(post.get("conditions", "")), "is_active": post.get("is_active") != "0",
    }  # fmt: skip
    scope = rule.project if rule is not None else (None if post.get("every_project") else project)
    return services_visits.grade_rule_save(actor=user, data=data, rule=rule, project=scope)
