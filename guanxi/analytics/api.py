"""REST endpoints of analytics under /api/v1/analytics/: the registered metrics, the figures of a period and scope,
one figure broken down, the usage league and its rules, the monthly management report. Same rules as the pages:
analytics.view, each figure within the reader's data scope; the rules need analytics.edit to change."""

# No `from __future__ import annotations`: django-ninja reads the annotations at import time.
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from guanxi.core.api import error_responses
from guanxi.core.registry import Metric
from guanxi.org.current import current_user

from . import builder, ranking, selectors, services, subscriptions
from . import report as report_module
from .models import LeaguePolicy
from .schemas import (
    BreakdownOut,
    BreakdownParams,
    BuilderObjectOut,
    FigurePeriodParams,
    FiguresOut,
    LeagueOut,
    LeagueParams,
    LeagueRulesOut,
    LeagueRulesPatch,
    MetricOut,
    MonthParams,
    ReportOut,
    ReportResultOut,
    ReportSpecIn,
    SavedReportIn,
    SavedReportOut,
    SubscriptionIn,
    SubscriptionOut,
)

router = Router()
TAGS = ["Analytics"]
GET_ERRORS = error_responses(400, 401, 403, 404, 422)
WRITE_ERRORS = error_responses(400, 401, 403, 422)


def _period(window: selectors.Window) -> dict[str, Any]:
    return {"kind": window.kind, "date_from": window.date_from, "date_to": window.date_to, "label": window.label}


def _metric(m: Metric) -> dict[str, Any]:
    return {"key": m.key, "label": str(m.label), "unit": m.unit, "groupings": list(m.groupings), "help": str(m.help)}


def _figure(r: selectors.FigureRow) -> dict[str, Any]:
    return {
        "key": r.metric.key,
        "label": str(r.metric.label),
        "unit": r.metric.unit,
        "value": r.value,
        "previous": r.previous,
        "year_ago": r.year_ago,
        "change_percent": r.change,
        "change_year_percent": r.change_year,
        "records_url": r.url,
    }


def _key(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, tuple):
        return ":".join("" if v is None else str(v) for v in value)
    return str(value)


@router.get("/analytics/metrics", response={200: list[MetricOut], **GET_ERRORS}, tags=TAGS, summary="Metrics")
def metric_list(request: HttpRequest) -> object:
    """The figures you may read: key, label, unit (count, money, ratio, percent) and the groupings each answers."""
    user = current_user(request)
    selectors.require_view(user)
    return [_metric(m) for m in selectors.visible_metrics(user)]


@router.get("/analytics/figures", response={200: FiguresOut, **GET_ERRORS}, tags=TAGS, summary="Figures")
def figure_list(request: HttpRequest, params: Query[FigurePeriodParams]) -> object:
    """Every figure for a period and scope, with the previous period, a year ago and the URL of its records."""
    user = current_user(request)
    selectors.require_view(user)
    window = selectors.window_from(params.dict(exclude_none=True))
    scope = selectors.clean_scope(user, params.scope)
    rows = selectors.figures(user=user, window=window, scope=scope)
    return {"period": _period(window), "scope": scope, "figures": [_figure(r) for r in rows]}


@router.get("/analytics/metrics/{key}", response={200: BreakdownOut, **GET_ERRORS}, tags=TAGS, summary="Breakdown")
def metric_breakdown(request: HttpRequest, key: str, params: Query[BreakdownParams]) -> object:
    """One figure by person, department or its own grouping, against the previous period, each row with the URL of
    its records."""
    user = current_user(request)
    selectors.require_view(user)
    metric = selectors.metric_get(user, key)
    window = selectors.window_from(params.dict(exclude_none=True))
    scope = selectors.clean_scope(user, params.scope)
    rows, total = selectors.breakdown(user=user, metric=metric, window=window, group_by=params.group_by, scope=scope)
    return {
        "metric": _metric(metric),
        "period": _period(window),
        "scope": scope,
        "group_by": params.group_by,
        "total": total,
        "rows": [
            {
                "key": _key(r.key),
                "label": str(r.label),
                "value": r.value,
                "previous": r.previous,
                "change_percent": r.change,
                "records_url": r.url,
            }
            for r in rows
        ],
    }


@router.get("/analytics/league", response={200: LeagueOut, **GET_ERRORS}, tags=TAGS, summary="Usage league")
def league_get(request: HttpRequest, params: Query[LeagueParams]) -> object:
    """The usage league of a month (staff or agents): ranks, scores, figures, minimums missed, violations. You see
    the rows of the people in your scope; the named top and bottom are listed for everyone."""
    user = current_user(request)
    window = selectors.window_from({"period": "month", "month": params.month or ""})
    data = ranking.league_for(user=user, window=window, agents=params.league == "agents")
    visible = ranking.league_visible_ids(user)
    policy = data.policy
    return {
        "month": window.label,
        "league": params.league,
        "published_at": data.published.published_at if data.published else None,
        "computed_at": data.computed_at,
        # a published month's as they were published; else the rules' now
        "minimums": getattr(data, "minimums", None) or ranking.league_minimums(policy),
        "weights": {key: weight for key, _label, weight in data.measures},
        "top": [r.user_id for r in data.top],
        "bottom": [r.user_id for r in data.bottom],
        "rows": [
            {
                "user_id": r.user_id,
                "name": r.name,
                "department": r.department,
                "rank": r.rank,
                "score": r.score,
                "values": r.values,
                "below_minimum": r.flags,
                "violations": r.violations,
                "named": r.named,
            }
            for r in data.rows
            if visible is None or r.user_id in visible
        ],
    }


def _rules(policy: LeaguePolicy) -> dict[str, Any]:
    return {
        "min_new_customers": policy.min_new_customers,
        "min_new_opportunities": policy.min_new_opportunities,
        "weights": policy.weight_map(),
        "follow_up_window_days": policy.follow_up_window_days,
        "staff_named": policy.staff_named,
        "agents_named": policy.agents_named,
        "inactive_days": policy.inactive_days,
        "priority_rule": policy.priority_rule,
        "exclusion_rule": policy.exclusion_rule,
        "exclusion_months": policy.exclusion_months,
    }


@router.get("/analytics/league/rules", response={200: LeagueRulesOut, **GET_ERRORS}, tags=TAGS, summary="League rules")
def league_rules_get(request: HttpRequest) -> object:
    """The league's minimums, weights (%), follow-up window, how many are named and the assignment rules."""
    selectors.require_view(current_user(request))
    return _rules(LeaguePolicy.current())


@router.patch(
    "/analytics/league/rules", response={200: LeagueRulesOut, **WRITE_ERRORS}, tags=TAGS, summary="Change rules"
)
def league_rules_patch(request: HttpRequest, payload: LeagueRulesPatch) -> object:
    """Change the league rules (analytics.edit); only the fields sent change. Audited."""
    data: dict[str, Any] = {k: v for k, v in payload.dict(exclude_none=True).items() if k != "weights"}
    for key, value in (payload.weights or {}).items():
        data[f"weight_{key}"] = value
    for flag in ("priority_rule", "exclusion_rule"):
        if flag in data:
            data[flag] = "1" if data[flag] else ""
    return _rules(services.league_policy_update(actor=current_user(request), data=data))


@router.get("/analytics/report", response={200: ReportOut, **GET_ERRORS}, tags=TAGS, summary="Monthly report")
def monthly_report(request: HttpRequest, params: Query[MonthParams]) -> object:
    """The monthly management report: contract and collection amounts by department over six months, each person's
    figures, level distribution and lost reasons, within your data scope."""
    user = current_user(request)
    window = selectors.window_from({"period": "month", "month": params.month or ""})
    data = report_module.monthly_report(user=user, window=window)
    return {
        "month": window.label,
        "summary": [_figure(r) for r in data.summary],
        "departments": {
            key: [
                {"department_id": dept, "name": str(name), "months": {c.label: c.value for c in cells}}
                for dept, name, cells in rows
            ]
            for key, rows in data.departments.items()
        },
        "people": [
            {
                "user_id": p["id"],
                "name": p["name"],
                "figures": {k: c.value for k, c in p["cells"].items()},
                "levels": {str(code): c.value for (code, _label), c in zip(data.levels, p["levels"], strict=True)},
                "lost_reasons": {
                    str(label): c.value for (_r, label), c in zip(data.reasons, p["reasons"], strict=True)
                },
            }
            for p in data.people
        ],
    }


# --- scheduled reports (one's own subscriptions) -------------------------------------------------------------
def _subscription(row: Any) -> dict[str, Any]:
    return {
        "id": row.pk,
        "report": row.report,
        "frequency": row.frequency,
        "fmt": row.fmt,
        "last_sent_at": row.last_sent_at,
        "saved_report": row.saved_report_id,
        "period": row.period,
    }


@router.get(
    "/analytics/subscriptions", response={200: list[SubscriptionOut], **GET_ERRORS}, tags=TAGS, summary="My reports"
)
def subscription_list(request: HttpRequest) -> object:
    """The reader's scheduled reports (analytics.view): what is e-mailed to them, how often, when last."""
    return [_subscription(r) for r in subscriptions.subscriptions_of(user=current_user(request))]


@router.post(
    "/analytics/subscriptions", response={201: SubscriptionOut, **WRITE_ERRORS}, tags=TAGS, summary="Subscribe"
)
def subscription_create(request: HttpRequest, payload: SubscriptionIn) -> object:
    """Receive a report by e-mail on a schedule (analytics.export: the e-mail carries an export). Audited."""
    row = subscriptions.subscription_create(actor=current_user(request), data=payload.dict())
    return Status(201, _subscription(row))


@router.delete(
    "/analytics/subscriptions/{int:subscription_id}",
    response={204: None, **error_responses(401, 403, 404)},
    tags=TAGS,
    summary="Stop a scheduled report",
)
def subscription_delete(request: HttpRequest, subscription_id: int) -> object:
    """Stop one of the reader's own scheduled reports (anyone else's is not found). Audited."""
    subscriptions.subscription_delete(actor=current_user(request), pk=subscription_id)
    return Status(204, None)


# --- the report builder ---------------------------------------------------------------------------------------------
def _options(options: list[builder.Option]) -> list[dict[str, str]]:
    return [{"key": o.key, "label": o.label} for o in options]


def _result(result: builder.Result) -> dict[str, Any]:
    spec = result.spec
    return {
        "object": spec.object,
        "filters": spec.filters,
        "group_by": spec.group.key,
        "measure": spec.measure.key,
        "chart": spec.chart,
        "rows": [{"key": c.key, "label": c.label, "value": c.value, "records_url": c.url} for c in result.rows],
        "total": result.total,
        "truncated": result.truncated,
        "warnings": result.warnings,
        "period": spec.period,
        "period_field": spec.period_field,
        "date_from": result.window.date_from if result.window else None,
        "date_to": result.window.date_to if result.window else None,
    }


def _saved(row: Any) -> dict[str, Any]:
    fields = ("name", "object", "filters", "group_by", "measure", "chart", "period", "period_field")
    return {"id": row.pk, "owner": row.owner_id, "roles": [r.pk for r in row.roles.all()]} | {
        k: getattr(row, k) for k in fields
    }


@router.get(
    "/analytics/builder/objects",
    response={200: list[BuilderObjectOut], **GET_ERRORS},
    tags=TAGS,
    summary="Report builder: objects",
)
def builder_objects(request: HttpRequest) -> object:
    """The lists a report may count that you may read, with their groupings, measures and filter fields."""
    user = current_user(request)
    selectors.require_view(user)
    out = []
    for found in builder.objects_for(user):
        definition = builder.definition_for(user, found.key)
        out.append(
            {
                "key": definition.key,
                "label": str(definition.title),
                "groupings": _options(builder.groupings(definition)),
                "measures": _options(builder.measures(definition)),
                "filter_fields": [{"key": f.key, "label": str(f.label)} for f in builder.filter_fields(definition)],
            }
        )
    return out


@router.post("/analytics/builder/run", response={200: ReportResultOut, **GET_ERRORS}, tags=TAGS, summary="Run a report")
def builder_run(request: HttpRequest, payload: ReportSpecIn) -> object:
    """A report's figures within your data scope, each with the URL of the list behind it (nothing is saved)."""
    user = current_user(request)
    return _result(builder.run(user, builder.clean(user, payload.dict())))


@router.get("/analytics/reports", response={200: list[SavedReportOut], **GET_ERRORS}, tags=TAGS, summary="Reports")
def saved_report_list(request: HttpRequest) -> object:
    """The saved reports you may open: yours and those shared with one of your roles."""
    return [_saved(r) for r in builder.saved_reports(user=current_user(request)).order_by("name", "pk")]


@router.post("/analytics/reports", response={201: SavedReportOut, **WRITE_ERRORS}, tags=TAGS, summary="Save a report")
def saved_report_create(request: HttpRequest, payload: SavedReportIn) -> object:
    """Save a report as yours (analytics.export), shared with the roles named. Audited."""
    row = services.saved_report_save(actor=current_user(request), data=payload.dict())
    return Status(201, _saved(row))


@router.put(
    "/analytics/reports/{int:report_id}",
    response={200: SavedReportOut, **error_responses(400, 401, 403, 404, 422)},
    tags=TAGS,
    summary="Change a report",
)
def saved_report_update(request: HttpRequest, report_id: int, payload: SavedReportIn) -> object:
    """Change one of your own reports (another's you may open: 403). Audited with before and after."""
    return _saved(services.saved_report_save(actor=current_user(request), data=payload.dict(), pk=report_id))


@router.get(
    "/analytics/reports/{int:report_id}/result",
    response={200: ReportResultOut, **GET_ERRORS},
    tags=TAGS,
    summary="A saved report's figures",
)
def saved_report_result(request: HttpRequest, report_id: int) -> object:
    """A saved report run as you: within your own data scope."""
    user = current_user(request)
    row = builder.saved_report_get(user=user, pk=report_id)
    return _result(builder.run(user, builder.spec_of(user, row)))


@router.delete(
    "/analytics/reports/{int:report_id}",
    response={204: None, **error_responses(401, 403, 404)},
    tags=TAGS,
    summary="Delete a report",
)
def saved_report_delete(request: HttpRequest, report_id: int) -> object:
    """Delete one of your own reports and its e-mail subscriptions. Audited."""
    services.saved_report_delete(actor=current_user(request), pk=report_id)
    return Status(204, None)
