"""Webhooks: SSRF refusal at delivery, a correctly signed delivery to a real local receiver, retries with exponential
backoff for a day, replay, switching off after repeated failures (with the administrators told), and a web request
that only queues the delivery."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from guanxi.core.events import DomainEvent
from guanxi.core.models import AuditLog, Notification
from guanxi.core.registry import EventType, registry
from guanxi.org.webhooks import services
from guanxi.org.webhooks.models import WebhookDelivery, WebhookSubscription
from guanxi.org.webhooks.testing import verify, webhook_receiver

pytestmark = pytest.mark.django_db

TEST_EVENT = EventType(
    key="test.user_seen",
    label="User seen",
    model="org.user",
    serialise=lambda u: {"id": u.pk, "username": u.username},
)


@pytest.fixture(autouse=True)
def _test_event_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.event_types, TEST_EVENT.key, TEST_EVENT)


@pytest.fixture
def receiver() -> Any:
    with webhook_receiver() as r:
        yield r


@pytest.fixture
def loopback_allowed(settings: Any) -> None:
    settings.GUANXI_OUTBOUND_ALLOWED_NETWORKS = "127.0.0.0/8"


def _hook(admin: Any, url: str, **data: Any) -> WebhookSubscription:
    return services.webhook_create(
        actor=admin, data={"name": "ERP", "url": url, "event_types": [TEST_EVENT.key], **data}
    )


def _queue(user: Any) -> list[WebhookDelivery]:
    ids = services.deliveries_queue([DomainEvent(event_type=TEST_EVENT, object_id=user.pk, obj=user)])
    return list(WebhookDelivery.objects.filter(pk__in=ids))


def test_a_loopback_target_is_refused_at_delivery_with_the_reason_logged(org, receiver, settings):
    # given a subscription pointing at 127.0.0.1 and no allowed network
    settings.GUANXI_OUTBOUND_ALLOWED_NETWORKS = ""
    hook = _hook(org["admin"], receiver.url)
    (delivery,) = _queue(org["east_rep"])
    # when the worker tries it
    status = services.webhook_delivery_attempt(delivery_id=delivery.pk)
    # then nothing reached the receiver, and the log says why (no retry: the target will not change by waiting)
    delivery.refresh_from_db()
    assert status == "failed" and delivery.status == WebhookDelivery.Status.FAILED
    assert receiver.requests == []
    assert "loopback" in delivery.error and "127.0.0.1" in delivery.error
    assert delivery.attempts == 1 and delivery.attempt_log[0]["error"] == delivery.error
    assert WebhookSubscription.objects.get(pk=hook.pk).consecutive_failures == 1


def test_an_allowed_local_receiver_gets_a_correctly_signed_delivery(org, receiver, loopback_allowed):
    # given a subscription to an allowed local receiver
    hook = _hook(org["admin"], receiver.url)
    (delivery,) = _queue(org["east_rep"])
    # when the worker delivers it
    assert services.webhook_delivery_attempt(delivery_id=delivery.pk) == "delivered"
    # then the receiver got one POST whose signature checks out with the secret, as a customer would check it
    (got,) = receiver.requests
    assert verify(secret=hook.signing_secret, headers=got.headers, body=got.body)
    assert not verify(secret="whsec_wrong", headers=got.headers, body=got.body)
    assert not verify(secret=hook.signing_secret, headers=got.headers, body=got.body + b" ")
    body = json.loads(got.body)
    assert body["type"] == "test.user_seen" and body["id"] == delivery.event_id
    assert body["data"] == {"id": org["east_rep"].pk, "username": "east_rep"}
    assert body["occurred_at"].endswith("Z")
    assert got.headers["X-Guanxi-Event"] == "test.user_seen"
    assert got.headers["X-Guanxi-Delivery"] == str(delivery.pk)
    assert abs(int(got.headers["X-Guanxi-Timestamp"]) - timezone.now().timestamp()) < 60
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.response_status == 200 and delivery.response_ms is not None


def test_a_redirect_is_not_followed(org, receiver, loopback_allowed):
    receiver.statuses = [302]
    receiver.extra_headers = {"Location": "http://169.254.169.254/latest/meta-data/"}
    _hook(org["admin"], receiver.url)
    (delivery,) = _queue(org["east_rep"])
    services.webhook_delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert len(receiver.requests) == 1 and delivery.status == "pending" and "redirect" in delivery.error


def test_failures_are_retried_with_exponential_backoff_for_a_day(org, receiver, loopback_allowed, settings):
    # given a receiver that always fails
    settings.GUANXI_WEBHOOK_DISABLE_AFTER_FAILURES = 1000
    receiver.statuses = [500] * 100
    _hook(org["admin"], receiver.url)
    (delivery,) = _queue(org["east_rep"])
    start = delivery.created_at
    # when the worker tries whenever the delivery says it is next due
    tried_at = []
    now = start
    while True:
        tried_at.append(now)
        status = services.webhook_delivery_attempt(delivery_id=delivery.pk, now=now)
        delivery.refresh_from_db()
        if status != "pending":
            break
        # not earlier than due
        assert (
            services.webhook_delivery_attempt(
                delivery_id=delivery.pk, now=delivery.next_attempt_at - dt.timedelta(seconds=1)
            )
            == "skipped"
        )
        now = delivery.next_attempt_at
    # then the waits doubled from a minute (at most 6 hours), for a day, then it failed for good
    gaps = [(b - a).total_seconds() / 60 for a, b in zip(tried_at, tried_at[1:], strict=False)]
    assert gaps[:9] == [1, 2, 4, 8, 16, 32, 64, 128, 256]
    assert all(g == 360 for g in gaps[9:-1]) and 0 < gaps[-1] <= 360
    assert tried_at == services.retry_schedule(start)
    assert tried_at[-1] == start + dt.timedelta(days=1) and len(tried_at) == 13
    assert delivery.status == "failed" and delivery.attempts == len(tried_at) == len(receiver.requests)
    assert delivery.response_status == 500


def test_replay_sends_the_logged_event_again(org, receiver, loopback_allowed, django_capture_on_commit_callbacks):
    # given a delivery that failed
    receiver.statuses = [410]
    hook = _hook(org["admin"], receiver.url)
    (delivery,) = _queue(org["east_rep"])
    services.webhook_delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    # when the administrator replays it (the immediate task backend sends it once the request commits)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.webhook_delivery_replay(actor=org["admin"], delivery=delivery)
    # then the same event went again, freshly signed, and the replay is audited
    again.refresh_from_db()
    assert again.status == "delivered" and again.replay_of_id == delivery.pk and again.event_id == delivery.event_id
    first, second = receiver.requests
    assert json.loads(first.body) == json.loads(second.body)
    assert verify(secret=hook.signing_secret, headers=second.headers, body=second.body)
    assert AuditLog.objects.filter(object_id=str(hook.pk), action=AuditLog.Action.OTHER).exists()


def test_repeated_failures_switch_the_webhook_off_and_tell_the_administrators(
    org, receiver, loopback_allowed, settings
):
    # given a webhook whose receiver keeps failing, switched off after 3 failures in a row
    settings.GUANXI_WEBHOOK_DISABLE_AFTER_FAILURES = 3
    receiver.statuses = [500] * 10
    hook = _hook(org["admin"], receiver.url)
    deliveries = [d for _ in range(4) for d in _queue(org["east_rep"])]
    # when three deliveries fail
    for d in deliveries[:3]:
        services.webhook_delivery_attempt(delivery_id=d.pk)
    # then it is switched off, audited, and the administrator is told (the rep is not)
    hook.refresh_from_db()
    assert not hook.is_active and hook.disabled_at and "500" in hook.disabled_reason
    assert Notification.objects.filter(recipient=org["admin"], kind="webhook_disabled").count() == 1
    assert not Notification.objects.filter(recipient=org["east_rep"], kind="webhook_disabled").exists()
    assert AuditLog.objects.filter(object_id=str(hook.pk), actor=None, changes__is_active=[True, False]).exists()
    # and the fourth is not sent
    assert services.webhook_delivery_attempt(delivery_id=deliveries[3].pk) == "failed"
    assert len(receiver.requests) == 3
    # switching it on again clears the count
    services.webhook_update(actor=org["admin"], webhook=hook, data={"is_active": True})
    hook.refresh_from_db()
    assert hook.is_active and hook.consecutive_failures == 0 and hook.disabled_at is None


def test_a_success_resets_the_failure_count(org, receiver, loopback_allowed):
    receiver.statuses = [500, 200]
    hook = _hook(org["admin"], receiver.url)
    for d in [*_queue(org["east_rep"]), *_queue(org["east_rep"])]:
        services.webhook_delivery_attempt(delivery_id=d.pk)
    hook.refresh_from_db()
    assert hook.consecutive_failures == 0


def test_the_web_request_only_queues_the_delivery(
    org, admin_web, receiver, loopback_allowed, settings, django_capture_on_commit_callbacks
):
    # given the production task backend (the database queue the worker reads)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    hook = _hook(org["admin"], receiver.url)
    # when an administrator sends a test event from the page
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_web.post(reverse("org:webhook_test", args=[hook.pk]))
    # then the page answers at once with the delivery waiting for the worker; nothing was sent yet
    assert response.status_code == 302
    delivery = WebhookDelivery.objects.get(subscription=hook)
    assert delivery.status == "pending" and delivery.attempts == 0 and receiver.requests == []
    assert DBTaskResult.objects.filter(args_kwargs__kwargs__delivery_id=delivery.pk).count() == 1
    # and the worker's job delivers it
    assert services.webhook_delivery_attempt(delivery_id=delivery.pk) == "delivered"
    assert json.loads(receiver.requests[0].body)["type"] == "ping"


def test_the_minute_job_hands_over_due_retries_and_stale_claims(org, receiver, loopback_allowed):
    hook = _hook(org["admin"], receiver.url)
    now = timezone.now()
    due, later, stale = (
        WebhookDelivery.objects.create(subscription=hook, event_id=f"e{i}", event_type="ping", payload={}, **kw)
        for i, kw in enumerate(
            (
                {"next_attempt_at": now - dt.timedelta(minutes=1), "attempts": 1},
                {"next_attempt_at": now + dt.timedelta(hours=1), "attempts": 1},
                {"status": "sending", "claimed_at": now - dt.timedelta(minutes=10), "next_attempt_at": now},
            )
        )
    )
    result = services.deliveries_enqueue_due()
    assert result == {"due": 2, "stale": 1}
    assert {d.pk: d.status for d in WebhookDelivery.objects.all()} == {
        due.pk: "delivered",
        later.pk: "pending",
        stale.pk: "delivered",
    }


def test_the_secret_is_never_in_the_audit_trail(org):
    hook = _hook(org["admin"], "https://erp.example.com/hook")
    services.webhook_rotate_secret(actor=org["admin"], webhook=hook)
    text = json.dumps(list(AuditLog.objects.values("changes", "message", "message_params")), ensure_ascii=False)
    assert hook.signing_secret[6:] not in text
    assert "erp.example.com" in text  # the configuration change itself is audited


def test_bad_input_names_the_field(org):
    with pytest.raises(Exception) as exc:
        services.webhook_create(actor=org["admin"], data={"name": "", "url": "ftp://x", "event_types": ["nope"]})
    assert set(exc.value.fields) == {"name", "url", "event_types"}  # type: ignore[attr-defined]
    assert not WebhookSubscription.objects.exists()


def test_a_rep_may_not_manage_webhooks(org, rep_web):
    hook = _hook(org["admin"], "https://erp.example.com/hook")
    assert rep_web.get(reverse("org:webhook_list")).status_code == 403
    assert rep_web.get(reverse("org:webhook_detail", args=[hook.pk])).status_code == 403
    assert rep_web.post(reverse("org:webhook_delete", args=[hook.pk])).status_code == 403
    assert WebhookSubscription.objects.filter(pk=hook.pk).exists()
