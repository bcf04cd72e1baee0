"""Reads of webhooks: subscriptions and their delivery log, for administrators only (org.admin)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from guanxi.core.errors import NotFoundError
from guanxi.core.registry import EventType, registry

from ..policies import require_permission
from .models import WebhookDelivery, WebhookSubscription

if TYPE_CHECKING:
    from guanxi.org.models import User

PERMISSION = "org.admin"


def event_type_choices() -> list[EventType]:
    """Every event a webhook may subscribe to (registered by the apps that own the objects)."""
    return registry.event_type_list()


def webhook_list(*, user: User) -> QuerySet[WebhookSubscription]:
    require_permission(user, PERMISSION)
    return WebhookSubscription.objects.all()


def webhook_get(*, user: User, pk: Any) -> WebhookSubscription:
    try:
        return webhook_list(user=user).get(pk=pk)
    except (WebhookSubscription.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("Not found.") from None


def delivery_list(*, user: User, webhook: WebhookSubscription | None = None) -> QuerySet[WebhookDelivery]:
    require_permission(user, PERMISSION)
    qs = WebhookDelivery.objects.select_related("subscription").defer("payload")
    return qs.filter(subscription=webhook) if webhook is not None else qs


def delivery_get(*, user: User, pk: Any, webhook: WebhookSubscription | None = None) -> WebhookDelivery:
    require_permission(user, PERMISSION)
    qs = WebhookDelivery.objects.select_related("subscription")
    if webhook is not None:
        qs = qs.filter(subscription=webhook)
    try:
        return qs.get(pk=pk)
    except (WebhookDelivery.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("Not found.") from None
