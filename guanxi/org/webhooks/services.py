"""Writes of webhooks: subscriptions (administrators; audited, the secret never in the audit trail), the deliveries
queued from business events, each delivery attempt by the worker, replay, and switching a failing subscription off.

Delivery (docs/admin-guide.md, "Webhooks"): one POST per event and subscription, JSON body
{"id", "type", "occurred_at", "data"}, headers X-Guanxi-Event, X-Guanxi-Event-Id, X-Guanxi-Delivery,
X-Guanxi-Timestamp (Unix seconds) and X-Guanxi-Signature ("sha256=" + hex HMAC-SHA256 of "<timestamp>.<body>" with
the subscription's secret). Only through core.outbound (SSRF-safe). A 2xx answer delivers it; anything else is
tried again after 1, 2, 4, … minutes (at most 6 hours apart) for a day, the last try a day after the first; a
refused target (loopback, private address …) or 410 Gone fails it at once. GUANXI_WEBHOOK_DISABLE_AFTER_FAILURES
failures in a row switch the subscription off and tell the administrators.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core import outbound
from guanxi.core.custom_fields.definitions import values_for_role
from guanxi.core.errors import InvalidStateError, ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.mail.crypto import SecretUnreadable, secret_encrypt
from guanxi.core.models import AuditLog
from guanxi.core.registry import registry
from guanxi.core.services import audit_record, full_clean_or_raise, notify

from ..policies import has_permission, require_permission
from .models import WebhookDelivery, WebhookSubscription, secret_hint_of

if TYPE_CHECKING:
    from guanxi.core.events import DomainEvent
    from guanxi.org.models import User

PERMISSION = "org.admin"
RETRY_FOR = dt.timedelta(days=1)
FIRST_RETRY = dt.timedelta(minutes=1)
LONGEST_WAIT = dt.timedelta(hours=6)
STALE_SENDING = dt.timedelta(minutes=5)  # a claimed delivery whose worker died is tried again after this
ATTEMPT_LOG_KEEP = 30
SECRET_PREFIX = "whsec_"


# --- signing (what a receiver checks; docs/api.md shows the receiver's side) -------------------------------
def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def body_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: 1, 2, 4, 8 … minutes, at most 6 hours."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def retry_schedule(start: dt.datetime) -> list[dt.datetime]:
    """When the attempts of a delivery created at `start` happen if every one fails (the first at `start`, the
    last a day later)."""
    times, at, attempts = [start], start, 1
    while at < start + RETRY_FOR:
        at = min(at + retry_delay(attempts), start + RETRY_FOR)
        times.append(at)
        attempts += 1
    return times


# --- subscriptions ---------------------------------------------------------------------------------------
def _clean(data: dict[str, Any]) -> dict[str, Any]:
    from ..models import Role

    name = " ".join(str(data.get("name") or "").split())[:100]
    reader_role = str(data.get("reader_role") or "").strip()
    url = str(data.get("url") or "").strip()
    events = list(dict.fromkeys(str(e) for e in (data.get("event_types") or [])))
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the webhook a name.")]
    if not url.lower().startswith(("http://", "https://")):
        errors["url"] = [_("Enter an http:// or https:// address.")]
    unknown = [e for e in events if e not in registry.event_types]
    if unknown:
        errors["event_types"] = [_("Unknown event: %(events)s.") % {"events": ", ".join(unknown)}]
    elif not events:
        errors["event_types"] = [_("Choose at least one event.")]
    if reader_role and not Role.objects.filter(code=reader_role).exists():
        errors["reader_role"] = [_("No role has the code “%(code)s”.") % {"code": reader_role[:50]}]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    return {"name": name, "url": url, "event_types": events, "reader_role": reader_role}


def _new_secret(hook: WebhookSubscription) -> str:
    """Give the subscription a fresh secret: stored encrypted with its hint; the clear text is returned (and kept
    on the object as `new_secret`) so that the caller shows it this once."""
    plain = SECRET_PREFIX + secrets.token_urlsafe(32)
    hook.secret, hook.secret_hint = secret_encrypt(plain), secret_hint_of(plain)
    hook.new_secret = plain  # type: ignore[attr-defined]
    return plain


def webhook_create(*, actor: User, data: dict[str, Any]) -> WebhookSubscription:
    """Create a subscription; the returned object carries the secret in clear (`new_secret`), shown to the
    administrator this once."""
    require_permission(actor, PERMISSION)
    clean = _clean(data)
    with transaction.atomic():
        hook = WebhookSubscription(**clean, is_active=bool(data.get("is_active", True)), created_by=actor)
        _new_secret(hook)
        full_clean_or_raise(hook)
        hook.save()
        audit_record(
            actor=actor,
            action=AuditLog.Action.CREATE,
            obj=hook,
            changes={k: [None, v] for k, v in {**clean, "is_active": hook.is_active}.items()},
        )
    return hook


def webhook_update(*, actor: User, webhook: WebhookSubscription, data: dict[str, Any]) -> WebhookSubscription:
    """Change a subscription's name, URL, events or active flag. Switching it on again clears the failure count."""
    require_permission(actor, PERMISSION)
    held = {"name": webhook.name, "url": webhook.url, "event_types": webhook.event_types}
    clean = _clean({**held, "reader_role": webhook.reader_role, **data})
    if "is_active" in data:
        clean["is_active"] = bool(data["is_active"])
    with transaction.atomic():
        hook = WebhookSubscription.objects.select_for_update().get(pk=webhook.pk)
        changes = {k: [getattr(hook, k), v] for k, v in clean.items() if getattr(hook, k) != v}
        if not changes:
            return hook
        for key, value in clean.items():
            setattr(hook, key, value)
        if changes.get("is_active") == [False, True]:
            hook.consecutive_failures, hook.disabled_at, hook.disabled_reason = 0, None, ""
        full_clean_or_raise(hook)
        hook.save()
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=hook, changes=changes)
    return hook


def webhook_rotate_secret(*, actor: User, webhook: WebhookSubscription) -> WebhookSubscription:
    """Replace the signing secret (the old one stops at once); the new one (`new_secret`) is shown this once."""
    require_permission(actor, PERMISSION)
    with transaction.atomic():
        hook = WebhookSubscription.objects.select_for_update().get(pk=webhook.pk)
        _new_secret(hook)
        hook.save(update_fields=["secret", "secret_hint", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=hook,
            message=Message(gettext_noop("Signing secret replaced")),
        )
    return hook


def webhook_delete(*, actor: User, webhook: WebhookSubscription) -> None:
    """Delete a subscription and its delivery log."""
    require_permission(actor, PERMISSION)
    with transaction.atomic():
        audit_record(actor=actor, action=AuditLog.Action.DELETE, obj=webhook)
        WebhookSubscription.objects.filter(pk=webhook.pk).delete()


# --- queueing deliveries from events (core.events listener) ----------------------------------------------
def event_type_subscribed(event_type: str) -> bool:
    """Does an active subscription want this event type (asked before a bulk path builds its events)?"""
    return any(
        event_type in (types or [])
        for types in WebhookSubscription.objects.filter(is_active=True).values_list("event_types", flat=True)
    )


def deliveries_queue(events: list[DomainEvent]) -> list[int]:
    """One delivery per event and active subscription to its type, each handed to the worker at once. Runs after
    the business action committed; an event nobody subscribed to is not even serialised. Each body's custom fields
    are those the subscription's reader role sees (`for_reader`)."""
    hooks = list(WebhookSubscription.objects.filter(is_active=True).only("pk", "event_types", "reader_role"))
    if not hooks:
        return []
    now = timezone.now()
    rows: list[WebhookDelivery] = []
    for event in events:
        wanted = [h for h in hooks if event.type in (h.event_types or [])]
        if not wanted:
            continue
        payload = event.envelope()
        rows.extend(
            WebhookDelivery(
                subscription_id=h.pk,
                event_id=event.id,
                event_type=event.type,
                object_id=event.object_id,
                payload=for_reader(payload, model=event.event_type.model, role=h.reader_role),
                created_at=now,
                next_attempt_at=now,
            )
            for h in wanted
        )
    if not rows:
        return []
    with transaction.atomic():
        ids = [d.pk for d in WebhookDelivery.objects.bulk_create(rows)]  # ids come back on SQLite and PostgreSQL
        transaction.on_commit(lambda: _enqueue(ids))
    return ids


def for_reader(payload: dict[str, Any], *, model: str, role: str) -> dict[str, Any]:
    """The event's body as the subscription's reader may read it: the object's custom values (`data.custom`) only
    for the fields its reader role sees. A webhook's reader is that role, not the administrator who created it
    (administrators see every field; an external system sees what the role chosen for it sees)."""
    data = payload.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("custom"), dict):
        return payload
    return {**payload, "data": {**data, "custom": values_for_role(role, model, data["custom"])}}


def _enqueue(ids: Iterable[int]) -> None:
    from .tasks import webhook_delivery_send

    for pk in ids:
        webhook_delivery_send.enqueue(delivery_id=pk)


def deliveries_enqueue_due(*, now: dt.datetime | None = None, limit: int = 500) -> dict[str, int]:
    """The worker's minute job: hand over the deliveries whose next attempt is due (retries), and put back those a
    lost worker claimed but never finished."""
    now = now or timezone.now()
    stale = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.SENDING, claimed_at__lt=now - STALE_SENDING
    ).update(status=WebhookDelivery.Status.PENDING, next_attempt_at=now, claimed_at=None)
    due = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    _enqueue(due)
    return {"due": len(due), "stale": stale}


# --- one attempt (the worker) ----------------------------------------------------------------------------
def webhook_delivery_attempt(*, delivery_id: int, now: dt.datetime | None = None) -> str:
    """Send one due delivery once and record the outcome; returns the delivery's status afterwards.

    Compare-and-set claim: of two workers handed the same delivery, one sends it and the other does nothing."""
    now = now or timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
    ).update(status=WebhookDelivery.Status.SENDING, claimed_at=now)
    if not claimed:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    hook = delivery.subscription
    if not hook.is_active:
        _finish(delivery, now=now, status=WebhookDelivery.Status.FAILED, error=_("The webhook is switched off."))
        return delivery.status
    try:
        secret = hook.signing_secret
    except SecretUnreadable:
        error = _("The signing secret cannot be read: it was encrypted with a key no longer configured.")
        _finish(delivery, now=now, status=WebhookDelivery.Status.FAILED, error=error)
        _count_failure(hook_id=hook.pk, now=now, error=error)
        return delivery.status
    body = body_bytes(delivery.payload)
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Guanxi-Event": delivery.event_type,
        "X-Guanxi-Event-Id": delivery.event_id,
        "X-Guanxi-Delivery": str(delivery.pk),
        "X-Guanxi-Timestamp": str(timestamp),
        "X-Guanxi-Signature": signature(secret=secret, timestamp=timestamp, body=body),
    }
    status_code: int | None = None
    elapsed: int | None = None
    answer = ""
    final = False
    try:
        response = outbound.post(
            hook.url, body=body, headers=headers, timeout=float(settings.GUANXI_WEBHOOK_TIMEOUT_SECONDS)
        )
    except outbound.OutboundRefused as exc:
        error, final = _("Refused: %(reason)s") % {"reason": exc.reason}, True
    except outbound.OutboundFailed as exc:
        error, status_code = exc.reason, exc.status
    else:
        status_code, elapsed = response.status, response.elapsed_ms
        answer = response.body[:1000].decode("utf-8", "replace")
        if response.ok:
            _finish(
                delivery, now=now, status=WebhookDelivery.Status.DELIVERED, code=status_code, ms=elapsed, body=answer
            )
            if hook.consecutive_failures:
                WebhookSubscription.objects.filter(pk=hook.pk).update(consecutive_failures=0)
            return delivery.status
        error = _("The receiver answered %(status)s.") % {"status": status_code}
        final = status_code == 410  # Gone: the receiver says it will never take it
    attempts = delivery.attempts + 1
    deadline = delivery.created_at + RETRY_FOR
    next_at = min(now + retry_delay(attempts), deadline)  # the last try at the end of the day
    if final or now >= deadline:
        _finish(
            delivery,
            now=now,
            status=WebhookDelivery.Status.FAILED,
            code=status_code,
            ms=elapsed,
            body=answer,
            error=error,
        )
    else:
        _finish(
            delivery,
            now=now,
            status=WebhookDelivery.Status.PENDING,
            code=status_code,
            ms=elapsed,
            body=answer,
            error=error,
            next_at=next_at,
        )
    _count_failure(hook_id=hook.pk, now=now, error=error)
    return delivery.status


def _finish(
    delivery: WebhookDelivery,
    *,
    now: dt.datetime,
    status: str,
    code: int | None = None,
    ms: int | None = None,
    body: str = "",
    error: str = "",
    next_at: dt.datetime | None = None,
) -> None:
    log_entry = {"at": now.isoformat(), "status": code, "ms": ms, "error": error[:300]}
    delivery.status = status
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_status, delivery.response_ms, delivery.response_body = code, ms, body[:1000]
    delivery.error = error[:500]
    delivery.next_attempt_at = next_at
    delivery.claimed_at = None
    delivery.attempt_log = [*(delivery.attempt_log or []), log_entry][-ATTEMPT_LOG_KEEP:]
    if status == WebhookDelivery.Status.DELIVERED:
        delivery.delivered_at = now
    delivery.save()


def _count_failure(*, hook_id: int, now: dt.datetime, error: str) -> None:
    """One more failure in a row; at the limit the subscription is switched off (once) and administrators told."""
    WebhookSubscription.objects.filter(pk=hook_id).update(consecutive_failures=F("consecutive_failures") + 1)
    limit = int(settings.GUANXI_WEBHOOK_DISABLE_AFTER_FAILURES)
    with transaction.atomic():
        switched = WebhookSubscription.objects.filter(
            pk=hook_id, is_active=True, consecutive_failures__gte=limit
        ).update(is_active=False, disabled_at=now, disabled_reason=error[:300])
        if not switched:
            return
        hook = WebhookSubscription.objects.get(pk=hook_id)
        audit_record(
            actor=None,
            action=AuditLog.Action.UPDATE,
            obj=hook,
            changes={"is_active": [True, False]},
            message=Message(
                gettext_noop("Switched off after %(count)s failed deliveries in a row: %(error)s"),
                {"count": hook.consecutive_failures, "error": error[:200]},
            ),
        )
        _notify_admins(hook)


def _notify_admins(hook: WebhookSubscription) -> None:
    from ..models import User

    url = reverse("org:webhook_detail", args=[hook.pk])
    for admin in User.objects.filter(is_active=True).prefetch_related("roles"):
        if has_permission(admin, PERMISSION):
            notify(
                recipient=admin,
                kind="webhook_disabled",
                url=url,
                level="warning",
                title=Message(gettext_noop("Webhook %(name)s was switched off"), {"name": hook.name}),
                body=Message(
                    gettext_noop(
                        "Its deliveries failed %(count)s times in a row (last: %(error)s). Fix the receiver, then "
                        "switch the webhook on again and replay the failed deliveries."
                    ),
                    {"count": hook.consecutive_failures, "error": hook.disabled_reason},
                ),
                dedupe_key=f"webhook_disabled:{hook.pk}:{hook.disabled_at:%Y%m%d%H%M%S}" if hook.disabled_at else "",
            )


# --- replay ----------------------------------------------------------------------------------------------
def webhook_delivery_replay(*, actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a logged delivery's event again, as a new delivery (same event id and body, a fresh signature)."""
    require_permission(actor, PERMISSION)
    if not delivery.subscription.is_active:
        raise InvalidStateError(_("Switch the webhook on before replaying its deliveries."))
    now = timezone.now()
    with transaction.atomic():
        again = WebhookDelivery.objects.create(
            subscription_id=delivery.subscription_id,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            object_id=delivery.object_id,
            payload=delivery.payload,
            created_at=now,
            next_attempt_at=now,
            replay_of=delivery,
            replayed_by=actor,
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.OTHER,
            obj=delivery.subscription,
            message=Message(
                gettext_noop("Delivery %(delivery)s (%(event)s) sent again"),
                {"delivery": delivery.pk, "event": delivery.event_type},
            ),
        )
        again_id = again.pk
        transaction.on_commit(lambda: _enqueue([again_id]))
    return again


def webhook_send_test(*, actor: User, webhook: WebhookSubscription) -> WebhookDelivery:
    """Queue a "ping" delivery to check the receiver (the body's data names the webhook, no business data)."""
    require_permission(actor, PERMISSION)
    now = timezone.now()
    event_id = secrets.token_hex(16)
    payload = {
        "id": event_id,
        "type": "ping",
        "occurred_at": now.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "data": {"webhook": {"id": webhook.pk, "name": webhook.name}},
    }
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            subscription=webhook,
            event_id=event_id,
            event_type="ping",
            payload=payload,
            created_at=now,
            next_attempt_at=now,
            replayed_by=actor,
        )
        delivery_id = delivery.pk
        transaction.on_commit(lambda: _enqueue([delivery_id]))
    return delivery
