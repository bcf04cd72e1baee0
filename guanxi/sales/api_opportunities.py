"""REST endpoints for reading opportunities (with their stage history), pipelines and the sales funnel.

Read-only for now: creating, moving and closing opportunities go through the web UI until their endpoints
are added on top of guanxi.sales.services.opportunities.
"""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router

from guanxi.core.api import PageParams, error_responses, paginate, set_etag

from . import analytics
from .schemas_opportunities import (
    FunnelOut,
    FunnelParams,
    OpportunityDetailOut,
    OpportunityFilters,
    OpportunityPage,
    PipelineOut,
)

router = Router()

OPPORTUNITIES = ["Opportunities"]
READ_ERRORS = error_responses(401, 403, 404)
LIST_ERRORS = error_responses(400, 401, 403, 422)


@router.get(
    "/opportunities", response={200: OpportunityPage, **LIST_ERRORS}, tags=OPPORTUNITIES, summary="List opportunities"
)
def opportunity_list(request: HttpRequest, filters: Query[OpportunityFilters], page: Query[PageParams]) -> object:
    """The opportunities you may see, filtered by pipeline, stage, owner, status and expected signing dates."""
    qs = analytics.opportunity_list(user=request.auth, filters=filters.dict(exclude_none=True))  # type: ignore[attr-defined]
    return paginate(qs, page)


@router.get(
    "/opportunities/funnel",
    response={200: FunnelOut, **error_responses(400, 401, 403, 404, 422)},
    tags=OPPORTUNITIES,
    summary="Sales funnel",
)
def opportunity_funnel(request: HttpRequest, params: Query[FunnelParams]) -> object:
    """Per open stage: opportunities that entered it in the period (count, amount) and the share that went on
    to the next stage; win rate, average deal size and cycle, average time per stage, stalled counts.
    See docs/funnel.md for how skipped stages and backward moves count."""
    user = request.auth  # type: ignore[attr-defined]
    pipeline = analytics.pipeline_get(user=user, pk=params.pipeline)
    period = analytics.period_for(params.period, timezone.localdate(), params.date_from, params.date_to)
    qs = analytics.opportunity_scope(user=user, department_id=params.department, owner_id=params.owner)
    return analytics.funnel(qs, pipeline, period)


@router.get(
    "/opportunities/{int:opportunity_id}",
    response={200: OpportunityDetailOut, **READ_ERRORS},
    tags=OPPORTUNITIES,
    summary="Get an opportunity",
)
def opportunity_get(request: HttpRequest, opportunity_id: int, response: HttpResponse) -> object:
    """One opportunity with its stage history; the ETag header carries its version."""
    opp = analytics.opportunity_get(user=request.auth, pk=opportunity_id)  # type: ignore[attr-defined]
    set_etag(response, opp)
    return opp


@router.get("/pipelines", response={200: list[PipelineOut], **READ_ERRORS}, tags=OPPORTUNITIES, summary="Pipelines")
def pipeline_list(request: HttpRequest) -> object:
    """Active pipelines with their stages in order."""
    return list(analytics.pipeline_list(user=request.auth))  # type: ignore[attr-defined]
