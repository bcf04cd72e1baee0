"""The reports page of real-estate sales (thin: read the filter, call the report selectors) and its drill-down to
the trades behind a figure."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from guanxi.core.errors import ValidationFailed
from guanxi.core.inputs import clean_date
from guanxi.org.policies import has_permission

from . import reports
from .feature import when_enabled
from .models import Unit

STEP_LABELS = {
    "visit": _lazy("Visitors"), "return": _lazy("Returned"), "deposit": _lazy("Small deposit"),
    "subscription": _lazy("Subscribed"), "contract": _lazy("Contract signed"),
}  # fmt: skip


def _filter(request: HttpRequest) -> tuple[reports.ReportFilter, dict[str, Any], list[Any]]:
    projects = list(reports.report_projects(user=request.user))
    get = request.GET
    project = get.get("project", "")
    chosen = int(project) if project.isdigit() and any(str(p.pk) == project for p in projects) else None
    errors: dict[str, Any] = {}
    dates = {}
    for key in ("start", "end"):
        try:
            dates[key] = clean_date(get.get(key), key, required=False)
        except ValidationFailed as exc:  # a date that does not read: named, the report runs without it
            errors[key] = exc.fields.get(key) or [exc.message]
            dates[key] = None
    f = reports.ReportFilter(project=chosen, start=dates["start"], end=dates["end"])
    return f, errors, projects


def _base(request: HttpRequest) -> str:
    """The filter's part of a drill-down link (project and period)."""
    return urlencode({k: request.GET[k] for k in ("project", "start", "end") if request.GET.get(k)})


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@login_required
@when_enabled
def report_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    f, errors, projects = _filter(request)
    by = request.GET.get("by", "building")
    by = by if by in reports.GROUPINGS else "building"
    sales = reports.sales_by(user=user, f=f, by=by)
    funnel = [{**s, "label": STEP_LABELS[s["step"]]} for s in reports.funnel(user=user, f=f)] if has_permission(
        user, "re_visitors.view") else []  # fmt: skip
    return render(request, "realestate/reports.html", {
        "f": f, "errors": errors, "projects": projects, "by": by, "sales": sales, "total": reports.sales_total(sales),
        "conversion": reports.conversion(user=user, f=f),
        "collections": reports.collections(user=user, f=f) if has_permission(user, "re_collections.view") else None,
        "control": reports.sales_control_summary(user=user, f=f),
        "ranking": reports.agent_ranking(user=user, f=f), "funnel": funnel,
        "base": _base(request), "statuses": Unit.Status.choices, "groupings": [
            ("project", _("Project")), ("building", _("Building")), ("layout", _("Layout")), ("month", _("Month"))],
    }, status=400 if errors else 200)  # fmt: skip


@login_required
@when_enabled
def report_trades(request: HttpRequest) -> HttpResponse:
    user = request.user
    f, errors, projects = _filter(request)
    get = request.GET
    rows = reports.trades(
        user=user, f=f, reached=get.get("reached", ""), building=_int(get.get("building")),
        layout=_int(get.get("layout")),
        agent=[int(a) for a in get.getlist("agent") if a.isdigit() and len(a) < 18], overdue=get.get("overdue") == "1",
        month=get.get("month", ""),
    )  # fmt: skip
    return render(request, "realestate/report_trades.html", {
        "f": f, "errors": errors, "rows": rows[:500], "count": rows.count(), "projects": projects,
        "reached": STEP_LABELS.get(get.get("reached", ""), ""), "overdue": get.get("overdue") == "1",
    })  # fmt: skip
