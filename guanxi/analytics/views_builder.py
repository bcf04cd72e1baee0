"""The report builder's page (报表设计器): pick an object, filter rules, a grouping, a measure and a chart; see the
figures (each linking to the list behind it), save the report, share it with roles, have it e-mailed. A reader
without the right to build opens the reports shared with their roles."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from guanxi.core.errors import ValidationFailed
from guanxi.org.lists import where as where_mod
from guanxi.org.models import Role
from guanxi.org.policies import has_permission, require_permission

from . import builder, services, subscriptions
from .models import ReportSubscription
from .relative import RELATIVE_PERIODS, relative_label

RULE_ROWS = 3


def _rules_from(data: QueryDict) -> tuple[list[dict[str, Any]], bool]:
    rules: list[dict[str, Any]] = []
    for i in range(RULE_ROWS):
        key, op = data.get(f"f{i}") or "", data.get(f"op{i}") or ""
        if not key or not op:
            continue
        rule: dict[str, Any] = {"f": key, "op": op}
        if op not in ("empty", "nempty"):
            rule["v"] = data.get(f"v{i}") or ""
        rules.append(rule)
    return rules, data.get("any") == "1"


def _parts(data: QueryDict) -> dict[str, Any]:
    """The report's parts as the form sends them (rule rows compiled into the list's `where`)."""
    rules, any_rule = _rules_from(data)
    return {
        "object": data.get("object") or "",
        "filters": builder.filters_from_rules(data.get("rest") or "", rules, any_rule),
        "group_by": data.get("group_by") or "",
        "measure": data.get("measure") or "count",
        "chart": data.get("chart") or "bar",
        "period": data.get("period") or "",
        "period_field": data.get("period_field") or "",
        "name": data.get("name") or "",
        "roles": data.getlist("roles"),
    }


def _state(parts: dict[str, Any], report: Any = None) -> dict[str, Any]:
    rules, any_rule, rest = builder.where_rules(parts["filters"])
    rows = [*rules, *([{}] * max(0, RULE_ROWS - len(rules)))][: max(RULE_ROWS, len(rules))]
    chosen = [str(r) for r in parts.get("roles") or []]
    state = {k: v for k, v in parts.items() if k != "roles"}
    return state | {"rules": rows, "any": any_rule, "rest": rest, "report": report, "roles_chosen": chosen}


def _post(request: HttpRequest, user: Any) -> HttpResponse | dict[str, list[str]]:
    action = request.POST.get("action")
    try:
        if action == "delete":
            services.saved_report_delete(actor=user, pk=request.POST.get("report"))
            messages.success(request, _("The report is deleted."))
            return redirect("analytics:builder")
        if action == "subscribe":
            data = {
                "report": ReportSubscription.Report.BUILT,
                "saved_report": request.POST.get("report"),
                "frequency": request.POST.get("frequency"),
                "fmt": request.POST.get("fmt"),
            }
            subscriptions.subscription_create(actor=user, data=data)
            messages.success(request, _("Subscribed: the worker e-mails the report on its schedule."))
            return redirect(f"{reverse('analytics:builder')}?report={request.POST.get('report')}")
        parts = _parts(request.POST)
        row = services.saved_report_save(actor=user, data=parts, pk=request.POST.get("report") or None)
    except ValidationFailed as exc:
        return exc.fields or {"name": [exc.message]}
    messages.success(request, _("The report is saved."))
    return redirect(f"{reverse('analytics:builder')}?report={row.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def builder_page(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    require_permission(user, "analytics.view")
    can_build = builder.may_build(user)
    errors: dict[str, list[str]] = {}
    report = None
    if request.method == "POST":
        outcome = _post(request, user)
        if isinstance(outcome, HttpResponse):
            return outcome
        errors = outcome
        parts = _parts(request.POST)
        if request.POST.get("report"):
            report = builder.saved_report_get(user=user, pk=request.POST.get("report"))
    elif request.GET.get("report"):
        report = builder.saved_report_get(user=user, pk=request.GET.get("report"))
        parts = {
            "object": report.object,
            "filters": report.filters,
            "group_by": report.group_by,
            "measure": report.measure,
            "chart": report.chart,
            "period": report.period,
            "period_field": report.period_field,
            "name": report.name,
            "roles": [str(r.pk) for r in report.roles.all()],
        }
    else:
        parts = _parts(request.GET)
    objects = builder.objects_for(user)
    if not parts["object"] and objects:
        parts["object"] = objects[0].key
    context: dict[str, Any] = {
        "objects": objects,
        "can_build": can_build,
        "saved": builder.saved_reports(user=user).order_by("name", "pk"),
        "errors": errors,
        "charts": builder_charts(),
        "ops": where_mod.OP_LABELS,
        "kind_ops": where_mod.KIND_OPS,
        "roles": Role.objects.order_by("name") if can_build else [],
        "frequencies": ReportSubscription.Frequency.choices,
        "formats": ReportSubscription.Format.choices,
        "can_subscribe": has_permission(user, "analytics.export"),
        "result": None,
    }
    try:
        definition = builder.definition_for(user, parts["object"])
    except ValidationFailed as exc:
        context["errors"] = errors | (exc.fields or {})
        context |= _state(parts, report)
        return render(request, "analytics/builder.html", context, status=400 if request.GET or errors else 200)
    context |= {
        "groupings": builder.groupings(definition),
        "measures": builder.measures(definition),
        "fields": builder.filter_fields(definition),
        "date_fields": builder.date_fields(definition),
        "periods": RELATIVE_PERIODS,
        "definition": definition,
    }
    if not parts["group_by"] and context["groupings"]:
        parts["group_by"] = context["groupings"][0].key
    if not parts["period_field"]:  # the date the server applies a period to, shown chosen
        parts["period_field"] = builder.default_date_field(definition)
    status = 400 if errors else 200
    try:
        spec = builder.clean(user, parts)
    except ValidationFailed as exc:
        context["errors"] = errors | (exc.fields or {})
        status = 400
    else:
        context["result"] = builder.run(user, spec)
        context["chart_data"] = context["result"].chart_data()
        context["period_label"] = relative_label(spec.period)
    context |= _state(parts, report)
    return render(request, "analytics/builder.html", context, status=status)


def builder_charts() -> list[tuple[str, str]]:
    from .models import SavedReport

    return list(SavedReport.Chart.choices)
