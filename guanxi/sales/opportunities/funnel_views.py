"""The sales funnel page (销售漏斗): period, pipeline, department and owner filters, chart, table, export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.inputs import id_or_none
from guanxi.org.policies import has_permission

from . import funnel, selectors, services

PERIOD_CHOICES = [("month", _("This month")), ("quarter", _("This quarter")), ("year", _("This year"))]


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def funnel_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    params = request.GET
    kind = params.get("period") if params.get("period") in funnel.PERIODS else "month"
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    try:
        period = funnel.period_for(kind, today, _date(params.get("date_from")), _date(params.get("date_to")))
    except ValidationFailed as exc:
        errors = exc.fields
        kind = "month"
        period = funnel.period_for(kind, today)
    pipeline = selectors.pipeline_get(user=user, pk=id_or_none(params.get("pipeline")))
    department_id, owner_id = id_or_none(params.get("department")), id_or_none(params.get("owner"))
    scoped = selectors.opportunity_scope(user=user)
    qs = selectors.opportunity_scope(user=user, department_id=department_id, owner_id=owner_id)
    data = funnel.funnel(qs, pipeline, period)

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
    query = request.GET.copy()
    query.pop("export", None)
    context: dict[str, Any] = {
        "data": data,
        "chart": chart,
        "kind": kind,
        "period_choices": PERIOD_CHOICES,
        "pipelines": selectors.pipeline_list(user=user),
        "pipeline": pipeline,
        "departments": selectors.department_choices(user=user),
        "owners": selectors.owners_of(qs=scoped),
        "department_id": department_id,
        "owner_id": owner_id,
        "errors": errors,
        "date_from": params.get("date_from", ""),
        "date_to": params.get("date_to", ""),
        "can_export": has_permission(user, "opportunities.export"),
        "query": query.urlencode(),
    }
    return render(request, "sales/analytics/funnel.html", context)
