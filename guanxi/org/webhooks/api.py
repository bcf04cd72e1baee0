"""REST endpoints of webhooks (administrators, org.admin): the events one may subscribe to, subscriptions (the
secret answered once, on create and on rotation), each subscription's delivery log and replay."""

from django.http import HttpRequest
from ninja import Query, Router, Status

from guanxi.core.api import READ_ERRORS, WRITE_ERRORS, PageParams, error_responses, paginate
from guanxi.org.current import current_user

from ..policies import require_permission
from . import selectors, services
from .schemas import (
    DeliveryDetailOut,
    DeliveryFilters,
    DeliveryPage,
    EventTypeOut,
    WebhookCreatedOut,
    WebhookIn,
    WebhookOut,
    WebhookPage,
    WebhookPatchIn,
)

router = Router(tags=["Webhooks"])


@router.get("/webhooks/events", response={200: list[EventTypeOut], **error_responses(401, 403)}, summary="Events")
def webhook_event_types(request: HttpRequest) -> object:
    """Every event a webhook may subscribe to."""
    require_permission(current_user(request), services.PERMISSION)
    return selectors.event_type_choices()


@router.get("/webhooks", response={200: WebhookPage, **error_responses(401, 403, 422)}, summary="List webhooks")
def webhook_list(request: HttpRequest, page: Query[PageParams]) -> object:
    return paginate(selectors.webhook_list(user=current_user(request)), page)


@router.post("/webhooks", response={201: WebhookCreatedOut, **WRITE_ERRORS}, summary="Create a webhook")
def webhook_create(request: HttpRequest, payload: WebhookIn) -> object:
    """The answer holds the signing `secret`, this once. Not idempotent (like token creation): storing the answer
    for a replay would store the secret in clear; an Idempotency-Key header is ignored."""
    return Status(201, services.webhook_create(actor=current_user(request), data=payload.model_dump()))


@router.get("/webhooks/{int:webhook_id}", response={200: WebhookOut, **READ_ERRORS}, summary="Get a webhook")
def webhook_get(request: HttpRequest, webhook_id: int) -> object:
    return selectors.webhook_get(user=current_user(request), pk=webhook_id)


@router.patch("/webhooks/{int:webhook_id}", response={200: WebhookOut, **WRITE_ERRORS}, summary="Update a webhook")
def webhook_update(request: HttpRequest, webhook_id: int, payload: WebhookPatchIn) -> object:
    actor = current_user(request)
    hook = selectors.webhook_get(user=actor, pk=webhook_id)
    return services.webhook_update(actor=actor, webhook=hook, data=payload.model_dump(exclude_none=True))


@router.delete("/webhooks/{int:webhook_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a webhook")
def webhook_delete(request: HttpRequest, webhook_id: int) -> object:
    actor = current_user(request)
    services.webhook_delete(actor=actor, webhook=selectors.webhook_get(user=actor, pk=webhook_id))
    return Status(204, None)


@router.post(
    "/webhooks/{int:webhook_id}/secret", response={200: WebhookCreatedOut, **WRITE_ERRORS}, summary="New secret"
)
def webhook_rotate_secret(request: HttpRequest, webhook_id: int) -> object:
    """Replace the signing secret; the answer holds the new `secret`, this once."""
    actor = current_user(request)
    return services.webhook_rotate_secret(actor=actor, webhook=selectors.webhook_get(user=actor, pk=webhook_id))


@router.get(
    "/webhooks/{int:webhook_id}/deliveries",
    response={200: DeliveryPage, **error_responses(401, 403, 404, 422)},
    summary="Delivery log",
)
def webhook_delivery_list(
    request: HttpRequest, webhook_id: int, filters: Query[DeliveryFilters], page: Query[PageParams]
) -> object:
    """Newest first: status, attempts, response code and time, error of each delivery."""
    actor = current_user(request)
    qs = selectors.delivery_list(user=actor, webhook=selectors.webhook_get(user=actor, pk=webhook_id))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.event_type:
        qs = qs.filter(event_type=filters.event_type)
    return paginate(qs, page)


@router.get(
    "/webhooks/{int:webhook_id}/deliveries/{int:delivery_id}",
    response={200: DeliveryDetailOut, **READ_ERRORS},
    summary="Get a delivery",
)
def webhook_delivery_get(request: HttpRequest, webhook_id: int, delivery_id: int) -> object:
    actor = current_user(request)
    hook = selectors.webhook_get(user=actor, pk=webhook_id)
    return selectors.delivery_get(user=actor, pk=delivery_id, webhook=hook)


@router.post(
    "/webhooks/{int:webhook_id}/deliveries/{int:delivery_id}/replay",
    response={202: DeliveryDetailOut, **WRITE_ERRORS},
    summary="Send a delivery again",
)
def webhook_delivery_replay(request: HttpRequest, webhook_id: int, delivery_id: int) -> object:
    """Queue the logged event again (same event id and body, a new signature); answers the new delivery."""
    actor = current_user(request)
    hook = selectors.webhook_get(user=actor, pk=webhook_id)
    delivery = selectors.delivery_get(user=actor, pk=delivery_id, webhook=hook)
    return Status(202, services.webhook_delivery_replay(actor=actor, delivery=delivery))
