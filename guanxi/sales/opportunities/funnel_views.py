"""The sales funnel page (销售漏斗): period, pipeline, department and owner filters, chart, table, export."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from guanxi.core.metrics import drill_url
from guanxi.org.policies import has_permission

from . import selectors, services

PERIOD_CHOICES = [("month", _("This month")), ("quarter", _("This quarter")), ("year", _("This year"))]


@login_required
def funnel_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    params = request.GET
    report = selectors.funnel_report(user=user, params=params)
    data, period, pipeline = report["data"], report["period"], report["pipeline"]
    department_id, owner_id = report["department_id"], report["owner_id"]

    fmt = params.get("export")
    if fmt:
        content, content_type, filename = services.funnel_export(
            actor=user,
            data=data,
            fmt=fmt,
            filters={
                "period": f"{period.date_from}..{period.date_to}",
                "pipeline": pipeline.pk,
                "department": department_id,
                "owner": owner_id,
            },
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    chart = {
        "names": [str(s.stage) for s in data.stages],
        "counts": [s.entered for s in data.stages],
        "amounts": [float(s.amount) for s in data.stages],
        "labels": {"count": _("Opportunities"), "amount": _("Amount")},
    }
    # Every figure links to the opportunity list filtered to the deals behind it (drill-down).
    narrowed = {"scene": "all", "pipeline": pipeline.pk, "department": department_id, "owner": owner_id}
    closed = {"closed_from": period.date_from, "closed_to": period.date_to}
    links = {
        "won": drill_url("sales:opportunity_list", {**narrowed, "status": "won", **closed}),
        "lost": drill_url("sales:opportunity_list", {**narrowed, "status": "lost", **closed}),
        "stalled": drill_url("sales:opportunity_list", {**narrowed, "status": "open", "stalled": 1}),
    }
    entered = {"entered_from": period.date_from, "entered_to": period.date_to}
    left = {"left_from": period.date_from, "left_to": period.date_to}
    # (row, its entered deals, its stalled deals, those that also moved onward (conversion), those whose stay in the
    # stage ended in the period (average days))
    stage_rows = [
        (
            s,
            drill_url("sales:opportunity_list", {**narrowed, "entered": s.stage.pk, **entered}),
            drill_url("sales:opportunity_list", {**narrowed, "status": "open", "stage": s.stage.pk, "stalled": 1}),
            drill_url("sales:opportunity_list", {**narrowed, "entered": s.stage.pk, **entered, "onward": "true"}),
            drill_url("sales:opportunity_list", {**narrowed, "left": s.stage.pk, **left}),
        )
        for s in data.stages
    ]
    chart["urls"] = [row[1] for row in stage_rows]  # a click on a layer opens its deals
    query = request.GET.copy()
    query.pop("export", None)
    context: dict[str, Any] = {
        "data": data,
        "links": links,
        "stage_rows": stage_rows,
        "chart": chart,
        "kind": report["kind"],
        "period_choices": PERIOD_CHOICES,
        "pipelines": selectors.pipeline_list(user=user),
        "pipeline": pipeline,
        "departments": selectors.department_choices(user=user),
        "owners": selectors.owners_of(qs=selectors.opportunity_scope(user=user)),
        "department_id": department_id,
        "owner_id": owner_id,
        "errors": report["errors"],
        "date_from": params.get("date_from", ""),
        "date_to": params.get("date_to", ""),
        "can_export": has_permission(user, "opportunities.export"),
        "query": query.urlencode(),
    }
    return render(request, "sales/analytics/funnel.html", context)
