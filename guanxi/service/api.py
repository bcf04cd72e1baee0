"""REST endpoints of the service app (customer assets and tickets), mounted on the one NinjaAPI in
guanxi/api/main.py. Each endpoint parses its schema, calls one selector or service and returns an output schema;
errors use the shared envelope."""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from guanxi.core.api import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    IfMatch,
    PageParams,
    expected_version,
    idempotent,
    paginate,
    set_etag,
)
from guanxi.core.inputs import field_error
from guanxi.org.current import current_user
from guanxi.org.lists.custom import filter_by_custom

from . import selectors, services
from .schemas import (
    AssetFilters,
    AssetIn,
    AssetOut,
    AssetPage,
    AssetPatch,
    TicketAction,
    TicketActionIn,
    TicketAssignIn,
    TicketEventOut,
    TicketFilters,
    TicketIn,
    TicketNoteIn,
    TicketOut,
    TicketPage,
    TicketPatch,
)

router = Router(tags=["Service"])
ASSETS = ["Customer assets"]
TICKETS = ["Tickets"]
_IDS = {"customer_id": "customer", "product_id": "product", "contract_id": "contract", "order_id": "order",
        "contact_id": "contact", "asset_id": "asset"}  # fmt: skip


def _service_data(raw: dict[str, Any]) -> dict[str, Any]:
    return {_IDS.get(k, k): v for k, v in raw.items()}


# --- assets ------------------------------------------------------------------------------------------
@router.get("/assets", response={200: AssetPage, **LIST_ERRORS}, tags=ASSETS, summary="List assets")
def asset_list(request: HttpRequest, filters: Query[AssetFilters], page: Query[PageParams]) -> object:
    """Assets and policies in your reach (through their customer); `q` finds a plate, policy or serial number
    however it is typed (case, full-width, spaces)."""
    qs = selectors.asset_list(user=current_user(request))
    if filters.q:
        qs = selectors.identifier_search(qs, filters.q)
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    qs = filter_by_custom(qs, user=current_user(request), model_label="service.asset", pairs=filters.custom or [])
    return paginate(qs.order_by("-id"), page)


@router.post("/assets", response={201: AssetOut, **WRITE_ERRORS}, tags=ASSETS, summary="New asset")
@idempotent
def asset_create(request: HttpRequest, payload: AssetIn, response: HttpResponse) -> object:
    user = current_user(request)
    asset = services.asset_create(actor=user, data=_service_data(payload.dict()))
    asset = selectors.asset_get(user=user, pk=asset.pk)
    set_etag(response, asset)
    return Status(201, asset)


@router.get("/assets/{int:asset_id}", response={200: AssetOut, **READ_ERRORS}, tags=ASSETS, summary="Get an asset")
def asset_get(request: HttpRequest, asset_id: int, response: HttpResponse) -> object:
    asset = selectors.asset_get(user=current_user(request), pk=asset_id)
    set_etag(response, asset)
    return asset


@router.patch("/assets/{int:asset_id}", response={200: AssetOut, **WRITE_ERRORS}, tags=ASSETS, summary="Edit")
def asset_patch(
    request: HttpRequest, asset_id: int, payload: AssetPatch, response: HttpResponse, if_match: str | None = IfMatch
) -> object:
    user = current_user(request)
    raw = payload.dict(exclude_unset=True)
    version = expected_version(if_match, raw.pop("version", None))
    asset = selectors.asset_get(user=user, pk=asset_id, action="edit")
    asset = services.asset_update(actor=user, asset=asset, data=_service_data(raw), expected_version=version)
    asset = selectors.asset_get(user=user, pk=asset.pk)
    set_etag(response, asset)
    return asset


@router.delete("/assets/{int:asset_id}", response={204: None, **WRITE_ERRORS}, tags=ASSETS, summary="Delete")
def asset_delete(request: HttpRequest, asset_id: int, if_match: str | None = IfMatch) -> object:
    user = current_user(request)
    asset = selectors.asset_get(user=user, pk=asset_id, action="delete")
    services.asset_delete(actor=user, asset=asset, expected_version=expected_version(if_match, None))
    return Status(204, None)


# --- tickets -----------------------------------------------------------------------------------------
@router.get("/tickets", response={200: TicketPage, **LIST_ERRORS}, tags=TICKETS, summary="List tickets")
def ticket_list(request: HttpRequest, filters: Query[TicketFilters], page: Query[PageParams]) -> object:
    user = current_user(request)
    qs = selectors.ticket_list(user=user)
    if filters.q:
        qs = selectors.identifier_search(qs, filters.q)
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.mine:
        qs = qs.filter(owner_id=user.pk)
    qs = filter_by_custom(qs, user=user, model_label="service.ticket", pairs=filters.custom or [])
    return paginate(qs.order_by("-id"), page)


@router.post("/tickets", response={201: TicketOut, **WRITE_ERRORS}, tags=TICKETS, summary="New ticket")
@idempotent
def ticket_create(request: HttpRequest, payload: TicketIn, response: HttpResponse) -> object:
    """A new ticket (tickets.create on the customer), numbered FW…; `owner_id` assigns it at once."""
    from guanxi.org.models import User

    user = current_user(request)
    raw = payload.dict()
    owner_id = raw.pop("owner_id", None)
    owner = User.objects.filter(pk=owner_id).first() if owner_id else None
    if owner_id and owner is None:
        raise field_error("owner_id", _("Choose one of the list."))
    ticket = services.ticket_create(actor=user, data=_service_data(raw), owner=owner)
    ticket = selectors.ticket_get(user=user, pk=ticket.pk)
    set_etag(response, ticket)
    return Status(201, ticket)


@router.get("/tickets/{int:ticket_id}", response={200: TicketOut, **READ_ERRORS}, tags=TICKETS, summary="Get")
def ticket_get(request: HttpRequest, ticket_id: int, response: HttpResponse) -> object:
    ticket = selectors.ticket_get(user=current_user(request), pk=ticket_id)
    set_etag(response, ticket)
    return ticket


@router.patch("/tickets/{int:ticket_id}", response={200: TicketOut, **WRITE_ERRORS}, tags=TICKETS, summary="Edit")
def ticket_patch(
    request: HttpRequest, ticket_id: int, payload: TicketPatch, response: HttpResponse, if_match: str | None = IfMatch
) -> object:
    user = current_user(request)
    raw = payload.dict(exclude_unset=True)
    version = expected_version(if_match, raw.pop("version", None))
    ticket = selectors.ticket_get(user=user, pk=ticket_id, action="edit")
    ticket = services.ticket_update(actor=user, ticket=ticket, data=_service_data(raw), expected_version=version)
    ticket = selectors.ticket_get(user=user, pk=ticket.pk)
    set_etag(response, ticket)
    return ticket


@router.get(
    "/tickets/{int:ticket_id}/history", response={200: list[TicketEventOut], **READ_ERRORS}, tags=TICKETS,
    summary="History",
)  # fmt: skip
def ticket_history(request: HttpRequest, ticket_id: int) -> object:
    ticket = selectors.ticket_get(user=current_user(request), pk=ticket_id)
    return selectors.ticket_history(ticket=ticket)


@router.post(
    "/tickets/{int:ticket_id}/assign", response={200: TicketOut, **WRITE_ERRORS}, tags=TICKETS, summary="Assign"
)
def ticket_assign(request: HttpRequest, ticket_id: int, payload: TicketAssignIn) -> object:
    from guanxi.org.models import User

    user = current_user(request)
    ticket = selectors.ticket_get(user=user, pk=ticket_id, action="edit")
    owner = User.objects.filter(pk=payload.owner_id).first()
    if owner is None:
        raise field_error("owner_id", _("Choose one of the list."))
    services.ticket_assign(actor=user, ticket=ticket, owner=owner, note=payload.note)
    return selectors.ticket_get(user=user, pk=ticket_id)


@router.post(
    "/tickets/{int:ticket_id}/notes", response={200: TicketOut, **WRITE_ERRORS}, tags=TICKETS, summary="Add a note"
)
def ticket_note(request: HttpRequest, ticket_id: int, payload: TicketNoteIn) -> object:
    user = current_user(request)
    ticket = selectors.ticket_get(user=user, pk=ticket_id, action="edit")
    services.ticket_note(actor=user, ticket=ticket, text=payload.text)
    return selectors.ticket_get(user=user, pk=ticket_id)


@router.post(
    "/tickets/{int:ticket_id}/{action}", response={200: TicketOut, **WRITE_ERRORS}, tags=TICKETS,
    summary="Change status",
)  # fmt: skip
def ticket_action(request: HttpRequest, ticket_id: int, action: TicketAction, payload: TicketActionIn) -> object:
    """start, wait (for the customer), resume, resolve (needs `resolution`), close, reopen (within the reopen
    window after resolving; 409 after it)."""
    user = current_user(request)
    ticket = selectors.ticket_get(user=user, pk=ticket_id, action="edit")
    services.ticket_transition(actor=user, ticket=ticket, action=action, note=payload.note,
                               resolution=payload.resolution)  # fmt: skip
    return selectors.ticket_get(user=user, pk=ticket_id)
