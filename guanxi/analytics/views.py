"""Analytics pages: the figures (every registered metric with the previous period, a year ago and the records
behind it), one figure broken down, the usage league with its violations and rules, the monthly management report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from guanxi.core.errors import ValidationFailed
from guanxi.org.policies import has_permission

from . import figure_cache, ranking, selectors, services
from . import report as report_module
from .models import DEFAULT_WEIGHTS, LeaguePolicy, LeaguePublication
from .relative import RELATIVE_CODES, RELATIVE_PERIODS

PERIOD_CHOICES = (
    ("month", gettext_lazy("Month")),
    ("quarter", gettext_lazy("Quarter")),
    ("year", gettext_lazy("Year")),
    ("custom", gettext_lazy("Custom dates")),
    *RELATIVE_PERIODS,
)


def _window(request: HttpRequest, errors: dict[str, Any]) -> selectors.Window:
    try:
        return selectors.window_from(request.GET)
    except ValidationFailed as exc:
        errors.update(exc.fields or {})
        return selectors.window_for("month", timezone.localdate())


def _scope(request: HttpRequest, errors: dict[str, Any]) -> str:
    try:
        return selectors.clean_scope(request.user, request.GET.get("scope"))  # type: ignore[arg-type]
    except ValidationFailed as exc:
        errors.update(exc.fields or {})
        return selectors.default_scope(request.user)  # type: ignore[arg-type]


def _filters(request: HttpRequest, window: selectors.Window, scope: str, errors: dict[str, Any]) -> dict[str, Any]:
    return {
        "period_choices": PERIOD_CHOICES,
        # a relative period stays chosen (its window's own kind is month, quarter, year or custom)
        "period_value": request.GET.get("period") if request.GET.get("period") in RELATIVE_CODES else window.kind,
        "window": window,
        "scope": scope,
        "scope_choices": selectors.scope_choices(request.user),  # type: ignore[arg-type]
        "errors": errors,
        **_month_picker(window),
        "query": request.GET.urlencode(),
    }


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Every figure the reader may see for a period and scope, against the previous period and a year ago."""
    selectors.require_view(request.user)  # type: ignore[arg-type]
    errors: dict[str, Any] = {}
    window, scope = _window(request, errors), _scope(request, errors)
    with figure_cache.figures_age() as seen:
        rows = selectors.figures(user=request.user, window=window, scope=scope)  # type: ignore[arg-type]
    context = _filters(request, window, scope, errors) | {"rows": rows, "computed_at": figure_cache.oldest(seen)}
    return render(request, "analytics/overview.html", context)


@login_required
def metric_detail(request: HttpRequest, key: str) -> HttpResponse:
    """One figure by person, department or its own grouping (level, stage, reason…), each row drilling down."""
    user = request.user
    selectors.require_view(user)  # type: ignore[arg-type]
    metric = selectors.metric_get(user, key)  # type: ignore[arg-type]
    errors: dict[str, Any] = {}
    window, scope = _window(request, errors), _scope(request, errors)
    group_by = request.GET.get("group_by") or "owner"
    if group_by not in metric.groupings or "+" in group_by:
        errors["group_by"] = [_("Choose a valid option.")]
        group_by = "owner"
    rows, total = selectors.breakdown(user=user, metric=metric, window=window, group_by=group_by, scope=scope)  # type: ignore[arg-type]
    chart = {"names": [str(r.label) for r in rows[:20]], "values": [float(r.value or 0) for r in rows[:20]]}
    context = _filters(request, window, scope, errors) | {
        "metric": metric,
        "rows": rows,
        "total": total,
        "group_by": group_by,
        "groupings": [g for g in metric.groupings if "+" not in g],
        "chart": chart,
    }
    return render(request, "analytics/metric.html", context)


def _month_picker(window: selectors.Window) -> dict[str, Any]:
    """The month shown (the `month` parameter, yyyy-mm) and the months offered, named in the page's language."""
    from .periods import month_choices

    return {"month_value": f"{window.date_from:%Y-%m}", "month_choices": month_choices(window.date_from)}


def _league_month(request: HttpRequest, errors: dict[str, Any]) -> selectors.Window:
    try:
        return selectors.window_from({"period": "month", "month": request.GET.get("month", "")})
    except ValidationFailed as exc:
        errors.update(exc.fields or {})
        return selectors.window_for("month", timezone.localdate())


@login_required
def league(request: HttpRequest) -> HttpResponse:
    """The usage league (CRM 使用考核) of a month: ranks, scores, the minimums, violations; staff or agents."""
    user = request.user
    selectors.require_view(user)  # type: ignore[arg-type]
    errors: dict[str, Any] = {}
    window = _league_month(request, errors)
    agents = request.GET.get("league") == "agents"
    data = ranking.league_for(user=user, window=window, agents=agents)  # type: ignore[arg-type]
    visible = ranking.league_visible_ids(user)  # type: ignore[arg-type]
    rows = [r for r in data.rows if visible is None or r.user_id in visible]
    chart = {"names": [r.name for r in rows[:15]], "scores": [float(r.score) for r in rows[:15]]}
    context = {
        "league": data,
        "rows": rows,
        "table": _league_table(rows, data.measures, window),
        "window": window,
        "agents": agents,
        "errors": errors,
        **_month_picker(window),
        "chart": chart,
        "can_edit": has_permission(user, "analytics.edit"),  # type: ignore[arg-type]
        "flagged": [r for r in rows if r.flagged],
    }
    return render(request, "analytics/league.html", context)


def _league_table(
    rows: list[ranking.LeagueRow], measures: list[tuple[str, Any, int]], window: selectors.Window
) -> list[tuple[ranking.LeagueRow, list[dict[str, Any]], list[dict[str, str]]]]:
    """Each ranked person with their figures in the order of the columns, each with its unit and the records behind
    it (the metric's drill-down narrowed to the person and the month), and their "below minimum" flags, each with
    the records it counted (the month's new customers or opportunities of that person, however few):
    [(row, [{label, value, unit, url}], [{text, url}])]."""
    from guanxi.core.registry import registry

    keys = {key for key, _label, _w in measures} | {"new_customers", "new_opportunities"}
    metrics = {key: registry.metric(key) for key in keys}
    table = []
    for row in rows:
        cells = []
        for key, label, _weight in measures:
            metric = metrics[key]
            value = row.values.get(key, selectors.ZERO)
            url = selectors.records_url(metric, window, owner=row.user_id) if metric is not None and value else ""
            unit = metric.unit if metric is not None else "count"
            cells.append({"label": label, "value": value, "unit": unit, "url": url})
        flag_keys = getattr(row, "flag_keys", None) or [""] * len(row.flags)  # a league cached before flag_keys
        flags = []
        for text, key in zip(row.flags, flag_keys, strict=False):
            metric = metrics.get(key)
            url = selectors.records_url(metric, window, owner=row.user_id) if metric is not None else ""
            flags.append({"text": text, "url": url})
        table.append((row, cells, flags))
    return table


@login_required
def league_violations(request: HttpRequest) -> HttpResponse:
    """The open opportunities of one ranked person (`user`, default the reader) without a follow-up within the
    policy's window."""
    user = request.user
    errors: dict[str, Any] = {}
    window = _league_month(request, errors)
    raw = request.GET.get("user", "")
    user_id = int(raw) if raw.isdigit() and len(raw) < 18 else user.pk
    rows = ranking.violations_of(user=user, owner_id=user_id, window=window)  # type: ignore[arg-type]
    from guanxi.org.models import User

    person = User.objects.filter(pk=user_id).first()
    policy = LeaguePolicy.current()
    context = {
        "rows": list(rows[:200]),
        "person": person,
        "window": window,
        "policy": policy,
        "cutoff": ranking.follow_up_cutoff(policy, window),
        **_month_picker(window),
    }
    return render(request, "analytics/violations.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def league_settings(request: HttpRequest) -> HttpResponse:
    """The league rules an administrator edits (analytics.edit): minimums, weights, window, named, rules."""
    from guanxi.org.policies import require_permission

    require_permission(request.user, "analytics.edit")  # type: ignore[arg-type]
    policy = LeaguePolicy.current()
    errors: dict[str, Any] = {}
    data: Any = None
    if request.method == "POST":
        data = request.POST.copy()
        data["_flags"] = "1"
        try:
            services.league_policy_update(actor=request.user, data=data)  # type: ignore[arg-type]
        except ValidationFailed as exc:
            errors = exc.fields or {}
        else:
            from django.contrib import messages

            messages.success(request, _("The league rules are saved."))
            return redirect("analytics:league_settings")
    weights = policy.weight_map()
    from guanxi.core.registry import registry

    measures = [
        (key, getattr(registry.metric(key), "label", key), (data or {}).get(f"weight_{key}", weights[key]))
        for key in DEFAULT_WEIGHTS
    ]
    context = {"policy": policy, "errors": errors, "data": data, "measures": measures}
    return render(request, "analytics/league_settings.html", context, status=400 if errors else 200)


@login_required
def management_report(request: HttpRequest) -> HttpResponse:
    """月度经营报告: contract and collection amounts by department and month; per rep figures; comparisons."""
    user = request.user
    selectors.require_view(user)  # type: ignore[arg-type]
    errors: dict[str, Any] = {}
    window = _league_month(request, errors)
    # the month running is kept a while whatever is written (figure_cache.lenient): its age is shown, with Refresh
    kept = int(getattr(settings, "GUANXI_ANALYTICS_REPORT_SECONDS", 0) or 0)
    with figure_cache.figures_age() as seen, figure_cache.lenient(kept):
        data = report_module.monthly_report(user=user, window=window)  # type: ignore[arg-type]
    fmt = request.GET.get("export")
    if fmt:
        content, content_type, filename = report_module.report_export(actor=user, data=data, fmt=fmt)  # type: ignore[arg-type]
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    context = {
        "data": data,
        "window": window,
        "errors": errors,
        **_month_picker(window),
        "can_export": has_permission(user, "analytics.export"),  # type: ignore[arg-type]
        "chart": data.chart(),
        "today": dt.date.today(),
        "computed_at": figure_cache.oldest(seen),
    }
    return render(request, "analytics/report.html", context)


@login_required
def usage(request: HttpRequest) -> HttpResponse:
    """使用监督: sign-ins and activity per person and department for a month; who has not signed in lately."""
    from . import usage as usage_module

    user = request.user
    selectors.require_view(user)  # type: ignore[arg-type]
    errors: dict[str, Any] = {}
    window = _league_month(request, errors)
    rows = usage_module.usage_for(user=user, window=window)  # type: ignore[arg-type]
    departments = usage_module.by_department(rows, user=user, window=window)  # type: ignore[arg-type]
    # a department's headcount drills down to the people table narrowed to it (an unknown department: nobody)
    department = str(request.GET.get("department", ""))[:20]
    narrowed_to = next((d for d in departments if d.key == department), None)
    inactive_only = request.GET.get("inactive") == "1"
    context = {
        "rows": usage_module.narrowed(rows, department=department, inactive=inactive_only),
        "departments": departments,
        "narrowed_to": narrowed_to,
        "department_param": department,
        "inactive_only": inactive_only,
        "window": window,
        "errors": errors,
        **_month_picker(window),
        "policy": LeaguePolicy.current(),
        "inactive": [r for r in rows if r.inactive],  # the whole scope's, whatever the table is narrowed to
        # the month's usage statistics are published with its league (the notification links to both)
        "published": LeaguePublication.objects.filter(
            month=window.date_from, kind=LeaguePublication.Kind.STAFF
        ).first(),
    }
    return render(request, "analytics/usage.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def dashboard(request: HttpRequest) -> HttpResponse:
    """工作台: the person's widgets (role defaults until they add or remove some), for a period and scope."""
    from . import dashboard as board

    user = request.user
    selectors.require_view(user)  # type: ignore[arg-type]
    if request.method == "POST":
        try:
            board.dashboard_widget_change(
                actor=user,  # type: ignore[arg-type]
                widget=request.POST.get("widget", ""),
                action=request.POST.get("action", ""),
            )
        except ValidationFailed as exc:
            from django.contrib import messages

            messages.error(request, exc.message)
        return redirect(reverse("analytics:dashboard") + ("?" + request.GET.urlencode() if request.GET else ""))
    errors: dict[str, Any] = {}
    window, scope = _window(request, errors), _scope(request, errors)
    with figure_cache.figures_age() as seen:
        widgets = board.render_widgets(user=user, window=window, scope=scope)  # type: ignore[arg-type]
    shown = {w["widget"].key for w in widgets}
    context = _filters(request, window, scope, errors) | {
        "widgets": widgets,
        "computed_at": figure_cache.oldest(seen),
        "addable": [w for w in board.available(user) if w.key not in shown],  # type: ignore[arg-type]
    }
    return render(request, "analytics/dashboard.html", context)


@login_required
@require_POST
def refresh(request: HttpRequest) -> HttpResponse:
    """The Refresh button beside the figures' age: the reader's own figures are computed again on their next read
    (and a month's league ranked again now, when `month` is given); back to the analytics page it came from."""
    user = request.user
    selectors.require_view(user)  # type: ignore[arg-type]
    figure_cache.reader_refresh(user.pk)
    if request.POST.get("month"):  # a bad month: a translated error naming the field (ValidationFailed)
        window = selectors.window_from({"period": "month", "month": request.POST.get("month", "")})
        ranking.league_cached(window=window, agents=request.POST.get("league") == "agents", refresh=True)
    back = str(request.POST.get("next", ""))
    if not back.startswith("/analytics/") or not url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        back = reverse("analytics:dashboard")
    return redirect(back)
