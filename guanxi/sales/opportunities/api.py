"""REST endpoints for opportunities (read, create, edit, move between stages, close, confirm a closing),
pipelines and the sales funnel. Writes call guanxi.sales.opportunities.services, which check permission and
data scope."""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from guanxi.core.api import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    IfMatch,
    PageParams,
    error_responses,
    expected_version,
    idempotent,
    keep_operation_ids,
    paginate,
    set_etag,
)
from guanxi.core.errors import NotFoundError, ValidationFailed
from guanxi.core.schema_columns import schema_columns
from guanxi.customers.models import Customer
from guanxi.customers.schemas import FollowUpOut, TaskOut
from guanxi.customers.selectors import contact_get, customer_get
from guanxi.org.current import current_user
from guanxi.org.lists.custom import filter_by_custom
from guanxi.org.selectors import users_by_ids

from . import funnel, selectors, services
from .models import Opportunity
from .schemas import (
    DocumentOut,
    FunnelOut,
    FunnelParams,
    OpportunityCloseIn,
    OpportunityDetailOut,
    OpportunityExportParams,
    OpportunityFilters,
    OpportunityFollowUpIn,
    OpportunityIn,
    OpportunityMoveIn,
    OpportunityOut,
    OpportunityPage,
    OpportunityPatch,
    OpportunityTaskIn,
    PipelineOut,
)

router = Router()

OPPORTUNITIES = ["Opportunities"]


def _unknown(field: str) -> ValidationFailed:
    msg = _("Unknown id, or you may not see it.")
    return ValidationFailed(msg, fields={field: [msg]})


def _pick_row(qs: Any, pk: int | None, field: str) -> Any:
    """A lookup row (stage, lost reason, competitor, pipeline) named by id in the body; unknown → 400 on field."""
    if pk is None:
        return None
    found = qs.filter(pk=pk).first()
    if found is None:
        raise _unknown(field)
    return found


def _customer(request: HttpRequest, pk: int) -> Customer:
    try:
        return customer_get(user=current_user(request), pk=pk)
    except NotFoundError:
        raise _unknown("customer_id")


def _write_data(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """Body ids → the rows the service expects (contact, collaborators, competitors); null clears text."""
    user = current_user(request)
    if "contact_id" in data:
        pk = data.pop("contact_id")
        try:
            data["contact"] = contact_get(user=user, pk=pk) if pk is not None else None
        except NotFoundError:
            raise _unknown("contact_id")
    if "collaborator_ids" in data:
        data["collaborators"] = users_by_ids(
            user=user, ids=data.pop("collaborator_ids") or [], field="collaborator_ids"
        )
    if "competitor_ids" in data:
        ids = list(dict.fromkeys(data.pop("competitor_ids") or []))
        rows = list(selectors.competitors().filter(pk__in=ids))
        if len(rows) != len(ids):
            raise _unknown("competitor_ids")
        data["competitors"] = rows
    for key in ("name", "next_step", "description"):
        if key in data and data[key] is None:
            data[key] = ""
    return data


def _rows(request: HttpRequest, data: dict[str, Any], customer_id: int | None) -> dict[str, Any]:
    """`contacts` / `lines` of the body → the service's (Contact, role) pairs and line dicts (None: unchanged)."""
    rows: dict[str, Any] = {}
    contacts = data.pop("contacts", None)
    if contacts is not None:
        offered = {c.pk: c for c in selectors.customer_contacts(user=current_user(request), customer_id=customer_id)}
        missing = [c["contact_id"] for c in contacts if c["contact_id"] not in offered]
        if missing:
            msg = _("Choose a contact of this customer.")
            raise ValidationFailed(msg, fields={"contacts": [msg]})
        rows["contacts"] = [(offered[c["contact_id"]], c["role"]) for c in contacts]
    lines = data.pop("lines", None)
    if lines is not None:
        rows["lines"] = lines
    return rows


@router.get(
    "/opportunities", response={200: OpportunityPage, **LIST_ERRORS}, tags=OPPORTUNITIES, summary="List opportunities"
)
def opportunity_list(request: HttpRequest, filters: Query[OpportunityFilters], page: Query[PageParams]) -> object:
    """The opportunities you may see, searched (`q`: every term in the deal's name, pinyin or initials, or its
    customer's search text), filtered by pipeline, stage, owner, status and expected signing dates, and sorted by
    `sort` (name, amount, close, stage, created; a leading '-' for descending)."""
    user = current_user(request)
    qs = selectors.opportunity_list(user=user, filters=filters.dict(exclude_none=True, exclude={"custom"}))
    qs = qs.only(*schema_columns(OpportunityOut, Opportunity))
    return paginate(filter_by_custom(qs, user=user, model_label="sales.opportunity", pairs=filters.custom or []), page)


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
    user = current_user(request)
    pipeline = selectors.pipeline_get(user=user, pk=params.pipeline)
    period = funnel.period_for(params.period, timezone.localdate(), params.date_from, params.date_to)
    return selectors.opportunity_funnel(
        user=user, pipeline=pipeline, period=period, department_id=params.department, owner_id=params.owner
    )


@router.get(
    "/opportunities/{int:opportunity_id}",
    response={200: OpportunityDetailOut, **READ_ERRORS},
    tags=OPPORTUNITIES,
    summary="Get an opportunity",
)
def opportunity_get(request: HttpRequest, opportunity_id: int, response: HttpResponse) -> object:
    """One opportunity with its stage history; the ETag header carries its version."""
    opp = selectors.opportunity_get(user=current_user(request), pk=opportunity_id)
    set_etag(response, opp)
    return opp


@router.get("/pipelines", response={200: list[PipelineOut], **READ_ERRORS}, tags=OPPORTUNITIES, summary="Pipelines")
def pipeline_list(request: HttpRequest) -> object:
    """Active pipelines with their stages in order."""
    return list(selectors.pipeline_list(user=current_user(request)))


@router.post(
    "/opportunities", response={201: OpportunityDetailOut, **WRITE_ERRORS}, tags=OPPORTUNITIES, summary="Create"
)
@idempotent
def opportunity_create(request: HttpRequest, payload: OpportunityIn, response: HttpResponse) -> object:
    """Open a deal (needs opportunities.create) in the first open stage of the pipeline. Send an
    Idempotency-Key header to make a retry safe."""
    user = current_user(request)
    data = payload.dict(exclude_unset=True)
    customer = _customer(request, data.pop("customer_id"))
    pipeline = _pick_row(selectors.pipeline_list(user=user), data.pop("pipeline_id", None), "pipeline_id")
    owner_id = data.pop("owner_id", None)
    owner = users_by_ids(user=user, ids=[owner_id], field="owner_id")[0] if owner_id else None
    rows = _rows(request, data, customer.pk)
    opp = services.opportunity_create(
        actor=user, customer=customer, data=_write_data(request, data), owner=owner, pipeline=pipeline, **rows
    )
    set_etag(response, opp)
    return Status(201, opp)


@router.patch(
    "/opportunities/{int:opportunity_id}",
    response={200: OpportunityDetailOut, **WRITE_ERRORS},
    tags=OPPORTUNITIES,
    summary="Update an opportunity",
)
def opportunity_update(
    request: HttpRequest,
    opportunity_id: int,
    payload: OpportunityPatch,
    response: HttpResponse,
    if_match: str | None = IfMatch,
) -> object:
    """Correct the fields sent (not stage, status or owner: those have their own actions).
    Send `If-Match: "<version>"` (or `version`) to refuse overwriting a newer change (412)."""
    data = payload.dict(exclude_unset=True)
    version = expected_version(if_match, data.pop("version", None))
    rows: dict[str, Any] = {}
    if "contacts" in data or "lines" in data:
        current = selectors.opportunity_get(user=current_user(request), pk=opportunity_id)
        rows = _rows(request, data, current.customer_id)
    opp = services.opportunity_update(
        actor=current_user(request),
        opportunity=Opportunity(pk=opportunity_id),
        data=_write_data(request, data),
        expected_version=version,
        **rows,
    )
    set_etag(response, opp)
    return opp


@router.post(
    "/opportunities/{int:opportunity_id}/move",
    response={200: OpportunityDetailOut, **WRITE_ERRORS},
    tags=OPPORTUNITIES,
    summary="Move to another stage",
)
def opportunity_move(
    request: HttpRequest,
    opportunity_id: int,
    payload: OpportunityMoveIn,
    response: HttpResponse,
    if_match: str | None = IfMatch,
) -> object:
    """Move an open deal to another open stage of its pipeline; the stage's required fields must be filled
    (400 names them)."""
    version = expected_version(if_match, payload.version)
    stage = selectors.active_stage_get(user=current_user(request), pk=payload.stage_id)
    if stage is None:
        raise _unknown("stage_id")
    opp = services.opportunity_move_stage(
        actor=current_user(request),
        opportunity=Opportunity(pk=opportunity_id),
        stage=stage,
        expected_version=version,
    )
    set_etag(response, opp)
    return opp


@router.post(
    "/opportunities/{int:opportunity_id}/close",
    response={200: OpportunityDetailOut, **WRITE_ERRORS},
    tags=OPPORTUNITIES,
    summary="Close won or lost",
)
def opportunity_close(
    request: HttpRequest,
    opportunity_id: int,
    payload: OpportunityCloseIn,
    response: HttpResponse,
    if_match: str | None = IfMatch,
) -> object:
    """Close an open deal; `lost` needs `lost_reason_id`. A manager confirms the closing afterwards."""
    version = expected_version(if_match, payload.version)
    lost_reason = _pick_row(selectors.lost_reasons(), payload.lost_reason_id, "lost_reason_id")
    lost_to = _pick_row(selectors.competitors(), payload.lost_to_id, "lost_to_id")
    if payload.outcome == "lost" and lost_reason is None:
        msg = _("Choose why the deal was lost.")
        raise ValidationFailed(msg, fields={"lost_reason_id": [msg]})
    opp = services.opportunity_close(
        actor=current_user(request),
        opportunity=Opportunity(pk=opportunity_id),
        won=payload.outcome == "won",
        lost_reason=lost_reason,
        lost_to=lost_to,
        note=payload.note,
        expected_version=version,
    )
    set_etag(response, opp)
    return opp


@router.post(
    "/opportunities/{int:opportunity_id}/confirm-close",
    response={200: OpportunityDetailOut, **WRITE_ERRORS},
    tags=OPPORTUNITIES,
    summary="Confirm a closing",
)
def opportunity_confirm_close(request: HttpRequest, opportunity_id: int, response: HttpResponse) -> object:
    """A manager (opportunities.approve on the deal) confirms a won/lost closing is complete."""
    opp = services.opportunity_confirm_close(actor=current_user(request), opportunity=Opportunity(pk=opportunity_id))
    set_etag(response, opp)
    return opp


@router.delete(
    "/opportunities/{int:opportunity_id}",
    response={204: None, **WRITE_ERRORS},
    tags=OPPORTUNITIES,
    summary="Delete an opportunity",
)
def opportunity_delete(request: HttpRequest, opportunity_id: int, if_match: str | None = IfMatch) -> object:
    """Move a deal to the recycle bin (needs opportunities.delete on it; restorable)."""
    services.opportunity_delete(
        actor=current_user(request),
        opportunity=Opportunity(pk=opportunity_id),
        expected_version=expected_version(if_match, None),
    )
    return Status(204, None)


@router.get(
    "/opportunities/export",
    response=error_responses(400, 401, 403, 422),
    tags=OPPORTUNITIES,
    summary="Export opportunities",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file (formulas neutralised).",
                "content": {
                    "text/csv": {"schema": {"type": "string", "format": "binary"}},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}
                    },
                },
            }
        }
    },
)
def opportunity_export(
    request: HttpRequest, filters: Query[OpportunityFilters], export: Query[OpportunityExportParams]
) -> HttpResponse:
    """The filtered list as CSV or XLSX (same filters as the list). Needs opportunities.export; audited."""
    content, content_type, filename = services.opportunity_export(
        actor=current_user(request),
        filters=filters.dict(exclude_none=True),
        fmt=export.format,
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.post(
    "/opportunities/{int:opportunity_id}/follow-ups",
    response={201: FollowUpOut, **WRITE_ERRORS},
    tags=OPPORTUNITIES,
    summary="Log a follow-up on a deal",
)
def opportunity_follow_up(request: HttpRequest, opportunity_id: int, payload: OpportunityFollowUpIn) -> object:
    """A follow-up record of the deal's customer (followups.create), linked to the deal."""
    user = current_user(request)
    opp = selectors.opportunity_get(user=user, pk=opportunity_id)
    data = payload.dict(exclude_unset=True)
    if "contact_id" in data:
        pk = data.pop("contact_id")
        offered = {c.pk: c for c in selectors.customer_contacts(user=user, customer_id=opp.customer_id)}
        if pk is not None and pk not in offered:
            raise _unknown("contact_id")
        data["contact"] = offered.get(pk) if pk is not None else None
    if data.get("occurred_at") is None:
        data.pop("occurred_at", None)
    return Status(201, services.opportunity_log_follow_up(actor=user, opportunity=opp, data=data))


@router.post(
    "/opportunities/{int:opportunity_id}/tasks",
    response={201: TaskOut, **WRITE_ERRORS},
    tags=OPPORTUNITIES,
    summary="Add a task about a deal",
)
def opportunity_task(request: HttpRequest, opportunity_id: int, payload: OpportunityTaskIn) -> object:
    """A task for the deal's customer (tasks.create; another assignee needs tasks.assign), linked to the deal."""
    user = current_user(request)
    opp = selectors.opportunity_get(user=user, pk=opportunity_id)
    data = payload.dict(exclude_unset=True)
    assignee_id = data.pop("assignee_id", None)
    assignee = users_by_ids(user=user, ids=[assignee_id], field="assignee_id")[0] if assignee_id else None
    return Status(201, services.opportunity_add_task(actor=user, opportunity=opp, data=data, assignee=assignee))


@router.post(
    "/opportunities/{int:opportunity_id}/documents",
    response={201: DocumentOut, **WRITE_ERRORS},
    tags=OPPORTUNITIES,
    summary="Upload a stage document",
)
def opportunity_document_add(
    request: HttpRequest,
    opportunity_id: int,
    file: File[UploadedFile],
    stage_id: Form[int | None] = None,
) -> object:
    """multipart/form-data: `file`, and `stage_id` (a stage of the deal's pipeline; default: its current stage).
    Needs opportunities.edit on the deal; size and type limits as on the page."""
    user = current_user(request)
    stage = None
    if stage_id is not None:
        stage = selectors.stage_get(pk=stage_id)
        if stage is None:
            raise _unknown("stage_id")
    doc = services.opportunity_document_add(
        actor=user, opportunity=Opportunity(pk=opportunity_id), file=file, stage=stage
    )
    return Status(201, doc)


@router.delete(
    "/opportunities/{int:opportunity_id}/documents/{int:document_id}",
    response={204: None, **WRITE_ERRORS},
    tags=OPPORTUNITIES,
    summary="Delete a stage document",
)
def opportunity_document_delete(request: HttpRequest, opportunity_id: int, document_id: int) -> object:
    """Only its uploader or the deal's owner."""
    user = current_user(request)
    doc = selectors.document_get(user=user, pk=document_id, opportunity_id=opportunity_id)
    services.opportunity_document_delete(actor=user, document=doc)
    return Status(204, None)


# Clients generate code from the operation ids: they stay those of the module these endpoints came from.
keep_operation_ids(router, "guanxi.sales.api_opportunities")
