"""The webhook administration pages and REST API: the secret shown once then masked, edits audited, the delivery
log with its detail and replay; everyone but an administrator refused with nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from guanxi.core.models import AuditLog
from guanxi.org.webhooks import services
from guanxi.org.webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


def _delivery(hook: WebhookSubscription, **kw: Any) -> WebhookDelivery:
    payload = {"id": "e1", "type": "customer.created", "occurred_at": "2026-12-05T00:00:00Z", "data": {"name": "甲"}}
    return WebhookDelivery.objects.create(
        subscription=hook, event_id="e1", event_type="customer.created", payload=payload, status="failed", **kw
    )


def test_creating_a_webhook_shows_the_secret_once(org, admin_web):
    # when the administrator creates a webhook on the page
    response = admin_web.post(
        reverse("org:webhook_create"),
        {"name": "ERP", "url": "https://erp.example.com/hook", "event_types": ["customer.created"], "is_active": "on"},
    )
    hook = WebhookSubscription.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("org:webhook_detail", args=[hook.pk])
    # then the next page shows the whole secret, the one after only its hint
    first = admin_web.get(response["Location"]).content.decode()
    assert hook.signing_secret in first
    again = admin_web.get(response["Location"]).content.decode()
    assert hook.signing_secret not in again and hook.secret_hint in again
    assert AuditLog.objects.filter(action="create", object_id=str(hook.pk)).exists()


def test_the_form_names_a_bad_field(org, admin_web):
    response = admin_web.post(reverse("org:webhook_create"), {"name": "ERP", "url": "not a url", "event_types": []})
    assert response.status_code == 200
    form = response.context["form"]
    assert "url" in form.errors and "event_types" in form.errors
    assert not WebhookSubscription.objects.exists()


def test_the_lists_and_a_delivery_page(org, admin_web):
    hook = services.webhook_create(
        actor=org["admin"],
        data={"name": "ERP 同步", "url": "https://erp.example.com/h", "event_types": ["lead.assigned"]},
    )
    delivery = _delivery(hook, error="The receiver answered 500.", attempts=3)
    listing = admin_web.get(reverse("org:webhook_list")).content.decode()
    assert "ERP 同步" in listing and "erp.example.com" in listing
    log = admin_web.get(reverse("org:webhook_delivery_list") + f"?webhook={hook.pk}&status=failed").content.decode()
    assert reverse("org:webhook_delivery_detail", args=[delivery.pk]) in log and "500" in log
    page = admin_web.get(reverse("org:webhook_delivery_detail", args=[delivery.pk])).content.decode()
    assert "&quot;甲&quot;" in page or "甲" in page


def test_replay_and_rotation_from_the_pages(org, admin_web, settings):
    settings.GUANXI_OUTBOUND_ALLOWED_NETWORKS = ""
    hook = services.webhook_create(
        actor=org["admin"], data={"name": "ERP", "url": "https://erp.example.com/h", "event_types": ["lead.assigned"]}
    )
    delivery = _delivery(hook)
    response = admin_web.post(reverse("org:webhook_delivery_replay", args=[delivery.pk]))
    again = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert response.status_code == 302 and again.replay_of_id == delivery.pk
    old = hook.signing_secret
    admin_web.post(reverse("org:webhook_rotate_secret", args=[hook.pk]))
    hook.refresh_from_db()
    assert hook.signing_secret != old
    assert old not in admin_web.get(reverse("org:webhook_detail", args=[hook.pk])).content.decode()


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("org:webhook_detail", "post"),
        ("org:webhook_rotate_secret", "post"),
        ("org:webhook_test", "post"),
        ("org:webhook_delete", "post"),
        ("org:webhook_delivery_list", "get"),
        ("org:webhook_delivery_detail", "get"),
        ("org:webhook_delivery_replay", "post"),
        ("org:webhook_create", "post"),
    ],
)
def test_everyone_but_an_administrator_is_refused_and_nothing_changes(org, rep_web, name, method):
    hook = services.webhook_create(
        actor=org["admin"], data={"name": "ERP", "url": "https://erp.example.com/h", "event_types": ["lead.assigned"]}
    )
    delivery = _delivery(hook)
    before = (
        list(WebhookSubscription.objects.values()),
        WebhookDelivery.objects.count(),
        AuditLog.objects.count(),
    )
    args = [] if name == "org:webhook_create" else [delivery.pk if "delivery_" in name else hook.pk]
    if name == "org:webhook_delivery_list":
        args = []
    data = {"name": "X", "url": "https://evil.example.com/", "event_types": ["lead.assigned"]}
    response = getattr(rep_web, method)(reverse(name, args=args), data if method == "post" else None)
    assert response.status_code == 403
    after = (list(WebhookSubscription.objects.values()), WebhookDelivery.objects.count(), AuditLog.objects.count())
    assert after == before


# --- REST API -----------------------------------------------------------------------------------------------
def test_the_api_creates_with_the_secret_once_then_masks_it(org, api_token_for, client):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(org['admin'])}"}
    events = client.get("/api/v1/webhooks/events", **auth).json()
    assert {"key": "payment.received", "label": "收款到账", "model": "billing.payment"} in events or any(
        e["key"] == "payment.received" for e in events
    )
    created = client.post(
        "/api/v1/webhooks",
        {"name": "ERP", "url": "https://erp.example.com/h", "event_types": ["customer.created", "payment.received"]},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["secret_hint"].endswith(body["secret"][-4:])
    read = client.get(f"/api/v1/webhooks/{body['id']}", **auth).json()
    assert "secret" not in read and read["event_types"] == ["customer.created", "payment.received"]
    patched = client.patch(
        f"/api/v1/webhooks/{body['id']}", {"is_active": False}, content_type="application/json", **auth
    ).json()
    assert patched["is_active"] is False
    bad = client.post(
        "/api/v1/webhooks",
        {"name": "ERP", "url": "https://erp.example.com/h", "event_types": ["nope"]},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 400 and "event_types" in bad.json()["error"]["fields"]


def test_the_api_delivery_log_and_replay(org, api_token_for, client):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(org['admin'])}"}
    hook = services.webhook_create(
        actor=org["admin"], data={"name": "ERP", "url": "https://erp.example.com/h", "event_types": ["lead.assigned"]}
    )
    delivery = _delivery(hook, response_status=500, response_ms=12)
    page = client.get(f"/api/v1/webhooks/{hook.pk}/deliveries?status=failed", **auth).json()
    assert page["count"] == 1 and page["items"][0]["response_status"] == 500
    one = client.get(f"/api/v1/webhooks/{hook.pk}/deliveries/{delivery.pk}", **auth).json()
    assert one["payload"]["data"] == {"name": "甲"}
    replay = client.post(f"/api/v1/webhooks/{hook.pk}/deliveries/{delivery.pk}/replay", **auth)
    assert replay.status_code == 202 and replay.json()["replay_of_id"] == delivery.pk


def test_the_api_refuses_a_rep(org, api_token_for, client):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(org['east_rep'])}"}
    assert client.get("/api/v1/webhooks", **auth).status_code == 403
    response = client.post(
        "/api/v1/webhooks",
        {"name": "ERP", "url": "https://erp.example.com/h", "event_types": ["lead.assigned"]},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 403 and not WebhookSubscription.objects.exists()
