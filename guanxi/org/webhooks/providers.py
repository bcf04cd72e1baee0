"""What webhooks register at start-up: the listener that queues a delivery per business event, the minute job
that hands due retries to the worker, and the notification topic of a webhook switched off."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import EventListener, NotificationTopic, PeriodicJob, registry


def _queue(events: list[Any]) -> Any:
    from .services import deliveries_queue

    return deliveries_queue(events)


def _wants(event_type: str) -> bool:
    from .services import event_type_subscribed

    return event_type_subscribed(event_type)


def _enqueue_due() -> Any:
    from .services import deliveries_enqueue_due

    return deliveries_enqueue_due()


registry.add_event_listener(EventListener(key="webhooks", handle=_queue, wants=_wants))
registry.add_periodic(PeriodicJob(key="webhook_retries", every_minutes=1, run=_enqueue_due))
registry.add_notification_topic(
    NotificationTopic(
        key="webhooks",
        label=_("Webhooks"),
        kinds=("webhook_disabled",),
        help=_("A webhook switched off after its deliveries kept failing (administrators)."),
        order=900,
    )
)
