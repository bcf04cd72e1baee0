"""REST endpoints of real-estate sales, mounted on the one NinjaAPI in guanxi/api/main.py. Every operation answers
404 on an installation without real-estate sales (feature.when_enabled)."""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Status

from guanxi.core.api import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    IfMatch,
    PageParams,
    error_responses,
    expected_version,
    idempotent,
    paginate,
)
from guanxi.org.current import current_user
from guanxi.org.lists.custom import filter_by_custom
from guanxi.org.policies import require_permission

from . import adjustments, selectors, services
from .feature import when_enabled
from .models import PaymentScheme, PriceAdjustment
from .schemas import (
    AdjustmentIn,
    AdjustmentOut,
    BuildingIn,
    BuildingOut,
    GenerateIn,
    HoldIn,
    PlanOut,
    PriceResult,
    ProjectIn,
    ProjectOut,
    ProjectPage,
    ReleaseIn,
    ReleaseResult,
    UnitFilters,
    UnitOut,
    UnitPage,
    UnitPatch,
    UnitPriceIn,
)

router = Router(tags=["Real estate"])
# Lists answer 404 too where real-estate sales are switched off (feature.py); every other operation already may.
SWITCHED_OFF = error_responses(404)


@router.get("/realestate/projects", response={200: ProjectPage, **LIST_ERRORS, **SWITCHED_OFF}, summary="List projects")
@when_enabled
def project_list(request: HttpRequest, page: Query[PageParams]) -> object:
    return paginate(selectors.project_list(user=current_user(request)).order_by("name", "id"), page)


@router.post("/realestate/projects", response={201: ProjectOut, **WRITE_ERRORS}, summary="New project")
@when_enabled
@idempotent
def project_create(request: HttpRequest, payload: ProjectIn) -> object:
    return Status(201, services.project_create(actor=current_user(request), data=payload.dict()))


@router.get("/realestate/projects/{int:project_id}", response={200: ProjectOut, **READ_ERRORS}, summary="Get a project")
@when_enabled
def project_get(request: HttpRequest, project_id: int) -> object:
    return selectors.project_get(user=current_user(request), pk=project_id)


@router.post(
    "/realestate/projects/{int:project_id}/buildings", response={201: BuildingOut, **WRITE_ERRORS},
    summary="New building",
)  # fmt: skip
@when_enabled
def building_create(request: HttpRequest, project_id: int, payload: BuildingIn) -> object:
    user = current_user(request)
    project = selectors.project_get(user=user, pk=project_id)
    return Status(201, services.building_create(actor=user, project=project, data=payload.dict()))


@router.post(
    "/realestate/buildings/{int:building_id}/units/generate", response={201: list[UnitOut], **WRITE_ERRORS},
    summary="Generate a building's units from a template",
)  # fmt: skip
@when_enabled
def units_generate(request: HttpRequest, building_id: int, payload: GenerateIn) -> object:
    """Floors × units per floor per entrance, numbered floor × 100 + position, leaving out `skip_floors` and
    `skip_numbers`; units already there are kept."""
    user = current_user(request)
    building = selectors.building_get(user=user, pk=building_id)
    data: dict[str, Any] = payload.dict()
    data["layout"], data["decoration"] = data.pop("layout_id"), data.pop("decoration_id")
    return Status(201, services.units_generate(actor=user, building=building, data=data))


@router.get("/realestate/units", response={200: UnitPage, **LIST_ERRORS, **SWITCHED_OFF}, summary="Search units")
@when_enabled
def unit_list(request: HttpRequest, filters: Query[UnitFilters], page: Query[PageParams]) -> object:
    """Units by project, building, status, layout, floor, area, orientation and budget (total price at most)."""
    qs = selectors.unit_list(user=current_user(request))
    lookups = {
        "project_id": "building__project_id", "building_id": "building_id", "status": "status",
        "layout_id": "layout_id", "floor_min": "floor__gte", "floor_max": "floor__lte",
        "area_min": "built_area__gte", "area_max": "built_area__lte", "price_max": "total_price__lte",
        "orientation": "orientation",
    }  # fmt: skip
    for key, lookup in lookups.items():
        value = getattr(filters, key)
        if value is not None:
            qs = qs.filter(**{lookup: value})
    qs = filter_by_custom(qs, user=current_user(request), model_label="realestate.unit", pairs=filters.custom or [])
    return paginate(qs.order_by("building_id", "entrance", "-floor", "number", "id"), page)


@router.get("/realestate/units/{int:unit_id}", response={200: UnitOut, **READ_ERRORS}, summary="Get a unit")
@when_enabled
def unit_get(request: HttpRequest, unit_id: int) -> object:
    return selectors.unit_get(user=current_user(request), pk=unit_id)


@router.patch("/realestate/units/{int:unit_id}", response={200: UnitOut, **WRITE_ERRORS}, summary="Edit a unit")
@when_enabled
def unit_update(request: HttpRequest, unit_id: int, payload: UnitPatch, if_match: str | None = IfMatch) -> object:
    """Change a unit's layout, orientation, areas, decoration, floor, number or custom fields (re_properties.edit);
    a priced unit that is not reserved is repriced when what its price comes from changed."""
    user = current_user(request)
    unit = selectors.unit_get(user=user, pk=unit_id)
    data = payload.dict(exclude_unset=True)
    version = expected_version(if_match, data.pop("version", None))
    return services.unit_update(actor=user, unit=unit, data=data, expected_version=version)


@router.post("/realestate/units/release", response={200: ReleaseResult, **WRITE_ERRORS}, summary="Release units")
@when_enabled
def units_release(request: HttpRequest, payload: ReleaseIn) -> object:
    return {"released": services.units_release(actor=current_user(request), unit_ids=payload.unit_ids)}


@router.post("/realestate/units/{int:unit_id}/hold", response={200: UnitOut, **WRITE_ERRORS}, summary="Hold a unit")
@when_enabled
def unit_hold(request: HttpRequest, unit_id: int, payload: HoldIn) -> object:
    """Hold an available unit (保留); 409 when someone else held or sold it first."""
    user = current_user(request)
    unit = selectors.unit_get(user=user, pk=unit_id)
    return services.unit_hold(actor=user, unit=unit, reason=payload.reason, until=payload.until)


@router.post(
    "/realestate/units/{int:unit_id}/unhold", response={200: UnitOut, **WRITE_ERRORS}, summary="Release a hold"
)
@when_enabled
def unit_unhold(request: HttpRequest, unit_id: int) -> object:
    user = current_user(request)
    return services.unit_unhold(actor=user, unit=selectors.unit_get(user=user, pk=unit_id))


@router.post("/realestate/units/prices", response={200: PriceResult, **WRITE_ERRORS}, summary="Set prices")
@when_enabled
def prices_set(request: HttpRequest, payload: UnitPriceIn) -> object:
    """Price units by a base price per m² or a total (plus the project's rules); reserved units keep theirs."""
    done, skipped = services.prices_set_base(
        actor=current_user(request), unit_ids=payload.unit_ids, basis=payload.basis, base_price=payload.base_price,
        reason=payload.reason,
    )  # fmt: skip
    return {"repriced": done, "skipped_reserved": skipped}


@router.get(
    "/realestate/units/{int:unit_id}/plan",
    response={200: PlanOut, **READ_ERRORS, **error_responses(422)},
    summary="Purchase plan",
)
@when_enabled
def unit_plan(
    request: HttpRequest,
    unit_id: int,
    scheme_id: int,
    discount: Query[list[int]] = None,
    start: dt.date | None = None,  # type: ignore[assignment]
) -> object:
    """The purchase plan (置业计划) of a unit under a payment scheme and discounts: discounts in their order, down
    payment, loans with monthly payments (equal principal and interest; equal principal) and the schedule."""
    user = current_user(request)
    unit = selectors.unit_get(user=user, pk=unit_id)
    scheme = get_object_or_404(PaymentScheme, project_id=unit.building.project_id, pk=scheme_id)
    plan = selectors.purchase_plan(user=user, unit=unit, scheme=scheme, discount_ids=discount or [],
                                   start=start or timezone.localdate())  # fmt: skip
    if plan is None:
        from guanxi.core.errors import NotFoundError

        raise NotFoundError("The unit has no price yet.")
    return {
        "unit_id": unit.pk, "scheme_id": scheme.pk, "list_price": plan.discounted.list_price, "total": plan.total,
        "down_payment": plan.down_payment,
        "discounts": [{"name": ln.step.name, "kind": ln.step.kind, "method": ln.step.method, "value": ln.step.value,
                       "before": ln.before, "after": ln.after} for ln in plan.discounted.lines],
        "loans": [loan.__dict__ for loan in plan.loans],
        "schedule": [{"what": w, "due": d, "amount": a} for w, d, a in plan.schedule],
    }  # fmt: skip


# --- batch price adjustments (调价) ---------------------------------------------------------------------
def _adjustment(request: HttpRequest, adjustment_id: int) -> PriceAdjustment:
    user = current_user(request)
    require_permission(user, "re_pricing.view")
    return get_object_or_404(selectors.in_project_scope(user, PriceAdjustment.objects.all()), pk=adjustment_id)


@router.post(
    "/realestate/projects/{int:project_id}/adjustments", response={201: AdjustmentOut, **WRITE_ERRORS},
    summary="Draft a batch price adjustment",
)  # fmt: skip
@when_enabled
def adjustment_create(request: HttpRequest, project_id: int, payload: AdjustmentIn) -> object:
    user = current_user(request)
    project = selectors.project_get(user=user, pk=project_id)
    data: dict[str, Any] = payload.dict()
    data["building"], data["layout"] = data.pop("building_id"), data.pop("layout_id")
    return Status(201, adjustments.adjustment_create(actor=user, project=project, data=data))


@router.get(
    "/realestate/adjustments/{int:adjustment_id}", response={200: AdjustmentOut, **READ_ERRORS},
    summary="Get a price adjustment",
)  # fmt: skip
@when_enabled
def adjustment_get(request: HttpRequest, adjustment_id: int) -> object:
    return _adjustment(request, adjustment_id)


@router.post(
    "/realestate/adjustments/{int:adjustment_id}/submit", response={200: AdjustmentOut, **WRITE_ERRORS},
    summary="Send a price adjustment for approval",
)  # fmt: skip
@when_enabled
def adjustment_submit(request: HttpRequest, adjustment_id: int) -> object:
    """The approved adjustment applies itself to every matching unit that is not reserved by then."""
    adjustment = _adjustment(request, adjustment_id)
    return adjustments.adjustment_submit(actor=current_user(request), adjustment=adjustment)
