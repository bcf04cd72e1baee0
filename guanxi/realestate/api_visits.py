"""REST endpoints of the sales office (visits, visitors, follow-ups, members and the duty rotation) and of the
real-estate reports; mounted beside api.py's router. 404 where real-estate sales are switched off."""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from guanxi.core.api import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, PageParams, error_responses, idempotent, paginate
from guanxi.org.current import current_user
from guanxi.org.models import User

from . import reports, selectors, services_visits
from .feature import when_enabled
from .schemas_visits import (
    AgentRowOut,
    CollectionsRowOut,
    ControlRowOut,
    ConversionOut,
    FunnelStepOut,
    NextAgentOut,
    ProjectMemberIn,
    ProjectMemberOut,
    SalesRowOut,
    VisitIn,
    VisitorFollowUpIn,
    VisitorFollowUpOut,
    VisitorOut,
    VisitorPage,
    VisitorPatch,
    VisitOut,
)

router = Router(tags=["Real estate"])
SWITCHED_OFF = error_responses(404)


# --- visits and visitors ------------------------------------------------------------------------------------
@router.post(
    "/realestate/projects/{int:project_id}/visits", response={201: VisitOut, **WRITE_ERRORS},
    summary="Register a visit",
)  # fmt: skip
@when_enabled
@idempotent
def visit_register(request: HttpRequest, project_id: int, payload: VisitIn) -> object:
    """A first visit or a return (the phone number recognises a customer and their visitor record); a first-time
    visitor goes to the agent named or the next one in turn."""
    user = current_user(request)
    project = selectors.project_get(user=user, pk=project_id)
    data = payload.dict()
    data["agent"] = data.pop("agent_id")
    return Status(201, services_visits.visit_register(actor=user, project=project, data=data))


class VisitorFilters(Schema):
    project: int | None = None
    grade: str | None = None
    agent: int | None = None
    phone: str | None = None


@router.get("/realestate/visitors", response={200: VisitorPage, **LIST_ERRORS, **SWITCHED_OFF}, summary="List visitors")
@when_enabled
def visitor_list(request: HttpRequest, page: Query[PageParams], filters: Query[VisitorFilters]) -> object:
    qs = selectors.visitor_list(user=current_user(request))
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    if filters.grade:
        qs = qs.filter(grade=filters.grade)
    if filters.agent:
        qs = qs.filter(agent_id=filters.agent)
    if filters.phone:
        found = services_visits.customer_by_phone(filters.phone)
        qs = qs.filter(customer=found) if found else qs.none()
    return paginate(qs.order_by("-last_visit_at", "-id"), page)


@router.get("/realestate/visitors/{int:visitor_id}", response={200: VisitorOut, **READ_ERRORS}, summary="Get a visitor")
@when_enabled
def visitor_get(request: HttpRequest, visitor_id: int) -> object:
    return selectors.visitor_get(user=current_user(request), pk=visitor_id)


@router.patch(
    "/realestate/visitors/{int:visitor_id}", response={200: VisitorOut, **WRITE_ERRORS}, summary="Update a visitor"
)
@when_enabled
def visitor_update(request: HttpRequest, visitor_id: int, payload: VisitorPatch) -> object:
    """Answer the questionnaire, set the source or hand over to another agent; the grade follows the rules."""
    user = current_user(request)
    visitor = selectors.visitor_get(user=user, pk=visitor_id)
    data = payload.dict(exclude_none=True)
    if "agent_id" in data:
        data["agent"] = data.pop("agent_id")
    return services_visits.visitor_update(actor=user, visitor=visitor, data=data)


@router.post(
    "/realestate/visitors/{int:visitor_id}/follow-ups", response={201: VisitorFollowUpOut, **WRITE_ERRORS},
    summary="Record a follow-up of a visitor",
)  # fmt: skip
@when_enabled
@idempotent
def visitor_follow_up(request: HttpRequest, visitor_id: int, payload: VisitorFollowUpIn) -> object:
    user = current_user(request)
    visitor = selectors.visitor_get(user=user, pk=visitor_id)
    return Status(201, services_visits.visitor_follow_up(actor=user, visitor=visitor, data=payload.dict()))


# --- members and the duty rotation ----------------------------------------------------------------------------
@router.get(
    "/realestate/projects/{int:project_id}/members", response={200: list[ProjectMemberOut], **READ_ERRORS},
    summary="Project members and the duty rotation",
)  # fmt: skip
@when_enabled
def member_list(request: HttpRequest, project_id: int) -> object:
    user = current_user(request)
    return list(selectors.project_members(user=user, project=selectors.project_get(user=user, pk=project_id)))


@router.put(
    "/realestate/projects/{int:project_id}/members/{int:user_id}", response={200: ProjectMemberOut, **WRITE_ERRORS},
    summary="Put a user on a project",
)  # fmt: skip
@when_enabled
def member_set(request: HttpRequest, project_id: int, user_id: int, payload: ProjectMemberIn) -> object:
    user = current_user(request)
    project = selectors.project_get(user=user, pk=project_id)
    member = get_object_or_404(User, pk=user_id)
    return services_visits.project_member_set(
        actor=user, project=project, user=member, on_rotation=payload.on_rotation, absent=payload.absent
    )


@router.delete(
    "/realestate/projects/{int:project_id}/members/{int:user_id}", response={204: None, **WRITE_ERRORS},
    summary="Take a user off a project",
)  # fmt: skip
@when_enabled
def member_remove(request: HttpRequest, project_id: int, user_id: int) -> object:
    user = current_user(request)
    project = selectors.project_get(user=user, pk=project_id)
    services_visits.project_member_remove(actor=user, project=project, user=get_object_or_404(User, pk=user_id))
    return Status(204, None)


@router.get(
    "/realestate/projects/{int:project_id}/next-agent", response={200: NextAgentOut, **READ_ERRORS},
    summary="The agent whose turn it is",
)  # fmt: skip
@when_enabled
def next_agent(request: HttpRequest, project_id: int) -> object:
    project = selectors.project_get(user=current_user(request), pk=project_id)
    agent = services_visits.agent_next(project=project, lock=False)
    return {"user_id": agent.pk if agent else None, "username": agent.username if agent else None}


# --- reports ----------------------------------------------------------------------------------------------------
class ReportParams(Schema):
    project: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None


# a malformed date is a 422 naming it; a report of real estate switched off, a 404
REPORT_ERRORS = error_responses(401, 403, 404, 422)


def _f(params: ReportParams) -> reports.ReportFilter:
    return reports.ReportFilter(project=params.project, start=params.start, end=params.end)


@router.get("/realestate/reports/sales", response={200: list[SalesRowOut], **REPORT_ERRORS}, summary="Sales report")
@when_enabled
def report_sales(request: HttpRequest, params: Query[ReportParams], by: str = "project") -> object:
    """Contracts in force signed in the period by project, building, layout or month: units, area, amount and the
    average price per m²."""
    if by not in reports.GROUPINGS:
        by = "project"
    return reports.sales_by(user=current_user(request), f=_f(params), by=by)


@router.get(
    "/realestate/reports/conversion", response={200: ConversionOut, **REPORT_ERRORS}, summary="Conversion report"
)
@when_enabled
def report_conversion(request: HttpRequest, params: Query[ReportParams]) -> object:
    return reports.conversion(user=current_user(request), f=_f(params))


@router.get(
    "/realestate/reports/collections", response={200: list[CollectionsRowOut], **REPORT_ERRORS},
    summary="Collections and arrears",
)  # fmt: skip
@when_enabled
def report_collections(request: HttpRequest, params: Query[ReportParams]) -> object:
    return reports.collections(user=current_user(request), f=_f(params))


@router.get(
    "/realestate/reports/sales-control", response={200: list[ControlRowOut], **REPORT_ERRORS},
    summary="Sales-control summary",
)  # fmt: skip
@when_enabled
def report_control(request: HttpRequest, params: Query[ReportParams]) -> object:
    return reports.sales_control_summary(user=current_user(request), f=_f(params))


@router.get("/realestate/reports/agents", response={200: list[AgentRowOut], **REPORT_ERRORS}, summary="Agent ranking")
@when_enabled
def report_agents(request: HttpRequest, params: Query[ReportParams]) -> object:
    return reports.agent_ranking(user=current_user(request), f=_f(params))


@router.get(
    "/realestate/reports/funnel", response={200: list[FunnelStepOut], **REPORT_ERRORS}, summary="Visitor funnel"
)
@when_enabled
def report_funnel(request: HttpRequest, params: Query[ReportParams]) -> object:
    return reports.funnel(user=current_user(request), f=_f(params))
