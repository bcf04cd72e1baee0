"""Reads of real-estate sales: projects, buildings and units for a reader who holds re_properties.view, the
sales-control grid of a building, a unit's price history.

Data scope by project: a user whose role grants "Every project" (re_properties.all_projects: sales management,
finance, executives, administrators) sees every project; anyone else only the projects they are a member of
(ProjectMember, set on the project's page). Every read of the app's records — units, the board, visitors,
deposits, subscriptions, contracts, receipts, reports — goes through `in_project_scope`, and every write checks
`require_project`."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Count, Model, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from guanxi.core.errors import PermissionDeniedError
from guanxi.org.models import User
from guanxi.org.policies import has_permission, require_permission, scope_queryset

from .models import Building, PriceHistory, Project, ProjectMember, Unit, Visitor

M = TypeVar("M", bound=Model)


# --- data scope by project ------------------------------------------------------------------------------
def sees_every_project(user: User) -> bool:
    """Within their projects a role's data scope still applies: the agent (own records) sees their own visitors and
    trades, the project's sales manager and finance (all records) everything of the projects they work on."""
    return bool(user.is_superuser or has_permission(user, "re_properties.all_projects"))


def project_ids_in_scope(user: User) -> QuerySet[Any] | None:
    """The ids of the projects the user works on (a subquery), or None: every project."""
    if sees_every_project(user):
        return None
    return ProjectMember.objects.filter(user=user).values("project_id")


def in_project_scope(user: User, qs: QuerySet[M], path: str = "project") -> QuerySet[M]:
    """`qs` narrowed to the rows of the user's projects; `path` leads from the row to its project
    ("building__project" for units, "unit__building__project" for a deposit)."""
    ids = project_ids_in_scope(user)
    if ids is None:
        return qs
    return qs.filter(**{f"{path}_id__in" if path != "pk" else "pk__in": ids})


def require_project(user: User, project: Project | int) -> None:
    """Refuse (403) a write on a project the user does not work on, before anything changes."""
    project_id = project if isinstance(project, int) else project.pk
    ids = project_ids_in_scope(user)
    if ids is not None and not ProjectMember.objects.filter(user=user, project_id=project_id).exists():
        raise PermissionDeniedError(_("You do not work on this project."))


def project_list(*, user: User) -> QuerySet[Project]:
    require_permission(user, "re_properties.view")
    return in_project_scope(user, Project.objects.all(), "pk").annotate(
        unit_count=Count("buildings__units", filter=Q(buildings__units__deleted_at__isnull=True)),
        available_count=Count(
            "buildings__units",
            filter=Q(buildings__units__deleted_at__isnull=True, buildings__units__status=Unit.Status.AVAILABLE),
        ),
    )


def project_get(*, user: User, pk: int) -> Project:
    require_permission(user, "re_properties.view")
    return get_object_or_404(in_project_scope(user, Project.objects.all(), "pk"), pk=pk)


def building_get(*, user: User, pk: int) -> Building:
    require_permission(user, "re_properties.view")
    return get_object_or_404(in_project_scope(user, Building.objects.select_related("project", "phase")), pk=pk)


def unit_list(*, user: User, action: str = "view") -> QuerySet[Unit]:
    require_permission(user, f"re_properties.{action}")
    units = Unit.objects.select_related("building__project", "layout", "decoration")
    return in_project_scope(user, units, "building__project")


def unit_get(*, user: User, pk: int) -> Unit:
    return get_object_or_404(unit_list(user=user), pk=pk)


def price_history(*, user: User, unit: Unit) -> QuerySet[PriceHistory]:
    require_permission(user, "re_pricing.view")
    require_project(user, unit.building.project_id)
    return PriceHistory.objects.filter(unit=unit).select_related("changed_by")


def sales_control(*, user: User, building: Building, status: str = "", layout: int | None = None) -> dict[str, Any]:
    """The building drawn as floors (top first) × the entrances' unit positions (销控表), every unit with its status
    and price; a filter dims the units it leaves out rather than removing them, so the grid keeps its shape."""
    require_permission(user, "re_properties.view")
    require_project(user, building.project_id)
    units = list(Unit.objects.filter(building=building).select_related("layout").order_by("entrance", "number"))
    columns: list[tuple[str, str]] = sorted(
        {(u.entrance, u.number[-2:]) for u in units}, key=lambda c: (c[0].zfill(4), c[1])
    )
    floors = sorted({u.floor for u in units}, reverse=True)
    at = {(u.floor, u.entrance, u.number[-2:]): u for u in units}
    rows = []
    for floor in floors:
        cells = []
        for entrance, pos in columns:
            unit = at.get((floor, entrance, pos))
            shown = (
                unit is not None and (not status or unit.status == status) and (not layout or unit.layout_id == layout)
            )
            cells.append({"unit": unit, "shown": shown})
        rows.append({"floor": floor, "cells": cells})
    counts = {s: 0 for s in Unit.Status.values}
    for u in units:
        counts[u.status] += 1
    return {"columns": columns, "rows": rows, "counts": counts, "total": len(units)}


def purchase_plan(*, user: User, unit: Unit, scheme: Any, discount_ids: list[int], start: Any) -> Any:
    """The purchase plan (置业计划) of a priced unit under one of its project's schemes, with the discounts chosen."""
    from . import pricing
    from .models import Discount

    require_permission(user, "re_pricing.view")
    if unit.total_price is None:
        return None
    discounts = Discount.objects.filter(project_id=scheme.project_id, pk__in=discount_ids, is_active=True)
    return pricing.purchase_plan(
        list_price=unit.total_price,
        built_area=unit.built_area,
        terms=scheme_terms(scheme),
        discounts=[pricing.DiscountStep(d.kind, d.method, d.value, d.name) for d in discounts],
        rounding=unit.building.project.rounding,
        start=start,
    )


def scheme_terms(scheme: Any) -> Any:
    from . import pricing

    return pricing.SchemeTerms(
        kind=scheme.kind, discount_percent=scheme.discount_percent, down_payment_percent=scheme.down_payment_percent,
        instalment_percents=pricing.parse_percents(scheme.instalment_percents),
        instalment_interval_days=scheme.instalment_interval_days, loan_years=scheme.loan_years,
        commercial_rate=scheme.commercial_rate, provident_rate=scheme.provident_rate,
        provident_cap=scheme.provident_cap,
    )  # fmt: skip


# --- the sales office: visitors -------------------------------------------------------------------------------
def visitor_list(*, user: User, action: str = "view") -> QuerySet[Visitor]:
    """Visitors of the user's projects within their re_visitors data scope (an agent with "own records": the
    visitors they receive)."""
    require_permission(user, f"re_visitors.{action}")
    visitors = Visitor.objects.select_related("project", "customer", "agent")
    return in_project_scope(user, scope_queryset(user, visitors, action))


def visitor_get(*, user: User, pk: int) -> Visitor:
    return get_object_or_404(visitor_list(user=user), pk=pk)


def project_members(*, user: User, project: Project) -> QuerySet[ProjectMember]:
    require_permission(user, "re_properties.view")
    require_project(user, project)
    return (
        ProjectMember.objects.filter(project=project)
        .select_related("user")
        .order_by("rotation_order", "user__username")
    )
