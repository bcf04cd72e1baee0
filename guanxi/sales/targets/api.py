"""REST endpoints for sales targets (业绩目标): list, set, change, split, progress, forecast.

Same rules as the targets page (guanxi.sales.targets): reading needs opportunities.view within its data scope;
setting and splitting need opportunities.assign within its scope, or org.admin. Rules: docs/selectors.md.
"""

# No `from __future__ import annotations`: django-ninja reads the annotations at import time.
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from guanxi.core.api import LIST_ERRORS, READ_ERRORS, PageParams, error_responses, keep_operation_ids, paginate
from guanxi.core.errors import ValidationFailed
from guanxi.org.current import current_user
from guanxi.org.selectors import directory_department_get, users_by_ids

from . import selectors, services
from .schemas import (
    ForecastOut,
    ForecastParams,
    ProgressOut,
    ProgressParams,
    SplitIn,
    TargetFilters,
    TargetIn,
    TargetOut,
    TargetPage,
    TargetPatch,
)

router = Router()

TARGETS = ["Sales targets"]
WRITE_ERRORS = error_responses(400, 401, 403, 404, 422)


def _period_start(kind: str, day: Any) -> Any:
    return selectors.period_of(kind, day or timezone.localdate()).date_from


@router.get("/targets", response={200: TargetPage, **LIST_ERRORS}, tags=TARGETS, summary="List targets")
def target_list(request: HttpRequest, filters: Query[TargetFilters], page: Query[PageParams]) -> object:
    """Targets you may see: people's within your opportunities scope, departments' of your department tree."""
    qs = selectors.targets_list(user=current_user(request), filters=filters.dict(exclude_none=True))
    return paginate(qs, page)


@router.get("/targets/progress", response={200: ProgressOut, **LIST_ERRORS}, tags=TARGETS, summary="Progress")
def target_progress(request: HttpRequest, params: Query[ProgressParams]) -> object:
    """Target, actual, completion and weighted pipeline per department and person for one period and metric."""
    data = selectors.targets_progress(
        user=current_user(request),
        period_kind=params.period_kind,
        period_start=_period_start(params.period_kind, params.period_start),
        metric=params.metric,
    )
    period = data["period"]
    return {
        "period_kind": params.period_kind,
        "date_from": period.date_from,
        "date_to": period.date_to,
        "metric": data["metric"],
        "departments": data["departments"],
        "people": data["people"],
    }


@router.get("/forecast", response={200: ForecastOut, **LIST_ERRORS}, tags=TARGETS, summary="Forecast")
def forecast(request: HttpRequest, params: Query[ForecastParams]) -> object:
    """Open deals expected to close in the period (weighted, commit, best case) and the monthly snapshots."""
    user = current_user(request)
    period = selectors.period_of(params.period_kind, params.period_start or timezone.localdate())
    totals = selectors.forecast_for(user=user, period=period)
    return {
        "period_kind": params.period_kind,
        "date_from": period.date_from,
        "date_to": period.date_to,
        **totals,
        "snapshots": selectors.forecast_snapshots(user=user),
    }


@router.get("/targets/{int:target_id}", response={200: TargetOut, **READ_ERRORS}, tags=TARGETS, summary="Get")
def target_get(request: HttpRequest, target_id: int) -> object:
    return selectors.target_get(user=current_user(request), pk=target_id)


def _subject(request: HttpRequest, owner_id: int | None, department_id: int | None) -> tuple[Any, Any]:
    user = current_user(request)
    if (owner_id is None) == (department_id is None):
        msg = _("Give either owner_id or department_id.")
        raise ValidationFailed(msg, fields={"owner_id": [msg], "department_id": [msg]})
    if owner_id is not None:
        return users_by_ids(user=user, ids=[owner_id], field="owner_id")[0], None
    return None, directory_department_get(user=user, pk=department_id)


@router.post("/targets", response={201: TargetOut, **WRITE_ERRORS}, tags=TARGETS, summary="Set a target")
def target_set(request: HttpRequest, payload: TargetIn) -> object:
    """Create the target of a person or a department for a period and metric, or change it if it exists
    (the period must start on its first day)."""
    owner, department = _subject(request, payload.owner_id, payload.department_id)
    target = services.target_set(
        actor=current_user(request),
        owner=owner,
        department=department,
        period_kind=payload.period_kind,
        period_start=payload.period_start,
        metric=payload.metric,
        value=payload.value,
    )
    return Status(201, target)


@router.patch("/targets/{int:target_id}", response={200: TargetOut, **WRITE_ERRORS}, tags=TARGETS, summary="Change")
def target_update(request: HttpRequest, target_id: int, payload: TargetPatch) -> object:
    user = current_user(request)
    target = selectors.target_get(user=user, pk=target_id)
    return services.target_set(
        actor=user,
        owner=target.owner,
        department=target.department,
        period_kind=target.period_kind,
        period_start=target.period_start,
        metric=target.metric,
        value=payload.value,
    )


@router.post(
    "/targets/{int:target_id}/split",
    response={200: list[TargetOut], **WRITE_ERRORS},
    tags=TARGETS,
    summary="Split a department target",
)
def target_split(request: HttpRequest, target_id: int, payload: SplitIn) -> object:
    """Share a department target among members of its department tree. The allocations must add up exactly;
    otherwise 400 names the difference and nothing is written."""
    user = current_user(request)
    target = selectors.target_for_split(user=user, pk=target_id)
    ids = [a.owner_id for a in payload.allocations]
    people = {u.pk: u for u in users_by_ids(user=user, ids=ids, field="allocations")}
    return services.target_split(
        actor=user, target=target, allocations=[(people[a.owner_id], a.value) for a in payload.allocations]
    )


# Clients generate code from the operation ids: they stay those of the module these endpoints came from.
keep_operation_ids(router, "guanxi.sales.api_targets")
