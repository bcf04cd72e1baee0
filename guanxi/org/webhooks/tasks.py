"""Background job of webhooks: one delivery attempt (the worker; the web request only queues it)."""

from __future__ import annotations

from django_tasks import task


@task()
def webhook_delivery_send(delivery_id: int) -> str:
    from .services import webhook_delivery_attempt

    return webhook_delivery_attempt(delivery_id=delivery_id)
