"""Webhook signing secrets at rest: encrypted like the mailbox passwords (core.mail.crypto), the clear text only in
the answer to a create or a rotation, the hint kept beside it; the data migration encrypts secrets stored before;
a rotated key list still signs, a lost key fails the delivery with a reason instead of an error."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.urls import reverse

from guanxi.core.mail.crypto import is_encrypted, secret_decrypt
from guanxi.core.models import IdempotencyRecord
from guanxi.org.webhooks import services
from guanxi.org.webhooks.models import WebhookDelivery, WebhookSubscription
from guanxi.org.webhooks.testing import verify, webhook_receiver
from guanxi.org.webhooks.views import SECRET_SESSION_KEY

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("guanxi.org.migrations.0008_webhook_secrets_encrypted")


def _hook(admin: Any, url: str = "https://erp.example.com/hook") -> WebhookSubscription:
    return services.webhook_create(actor=admin, data={"name": "ERP", "url": url, "event_types": ["lead.assigned"]})


def _stored(hook: WebhookSubscription) -> str:
    return str(WebhookSubscription.objects.values_list("secret", flat=True).get(pk=hook.pk))


def test_the_secret_is_stored_encrypted_and_shown_in_clear_only_on_creation(org):
    # when an administrator creates a webhook
    hook = _hook(org["admin"])
    plain = hook.new_secret  # type: ignore[attr-defined]
    # then the row holds only the encrypted secret and the hint, and decrypting gives the secret back
    stored = _stored(hook)
    assert plain.startswith("whsec_") and is_encrypted(stored) and plain not in stored and plain[6:] not in stored
    assert secret_decrypt(stored) == plain
    fresh = WebhookSubscription.objects.get(pk=hook.pk)
    assert fresh.signing_secret == plain and fresh.secret_hint == f"{plain[:6]}…{plain[-4:]}"
    # and a rotation stores a new encrypted secret
    rotated = services.webhook_rotate_secret(actor=org["admin"], webhook=fresh)
    assert rotated.new_secret != plain and is_encrypted(_stored(hook))  # type: ignore[attr-defined]
    assert secret_decrypt(_stored(hook)) == rotated.new_secret  # type: ignore[attr-defined]


def test_the_page_keeps_the_secret_encrypted_in_the_session_and_shows_it_once(org, admin_web):
    response = admin_web.post(
        reverse("org:webhook_create"),
        {"name": "ERP", "url": "https://erp.example.com/hook", "event_types": ["lead.assigned"], "is_active": "on"},
    )
    hook = WebhookSubscription.objects.get()
    # the session (a database row) holds the secret for the next page encrypted, never in clear
    kept = admin_web.session[SECRET_SESSION_KEY]["secret"]
    assert is_encrypted(kept) and hook.signing_secret not in kept
    assert hook.signing_secret in admin_web.get(response["Location"]).content.decode()
    # after saving an edit the page shows the hint, not the secret nor its encrypted form
    admin_web.post(
        reverse("org:webhook_detail", args=[hook.pk]),
        {"name": "ERP 2", "url": "https://erp.example.com/hook", "event_types": ["lead.assigned"], "is_active": "on"},
    )
    page = admin_web.get(reverse("org:webhook_detail", args=[hook.pk])).content.decode()
    assert hook.signing_secret not in page and hook.secret not in page and hook.secret_hint in page


def test_the_api_reads_never_carry_the_stored_secret(org, api_token_for, client):
    hook = _hook(org["admin"])
    token = api_token_for(org["admin"])
    response = client.get(f"/api/v1/webhooks/{hook.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
    body = response.content.decode()
    assert hook.signing_secret not in body and "fernet:" not in body
    assert response.json()["secret_hint"] == hook.secret_hint


def test_an_api_create_stores_no_answer_that_holds_the_secret(org, api_token_for, client):
    token = api_token_for(org["admin"])
    body = {"name": "ERP", "url": "https://erp.example.com/h", "event_types": ["lead.assigned"]}
    response = client.post(
        "/api/v1/webhooks",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY="hook-1",
    )
    assert response.status_code == 201 and response.json()["secret"].startswith("whsec_")
    assert not IdempotencyRecord.objects.exists()


def test_the_data_migration_encrypts_secrets_stored_in_clear(org):
    # given a subscription written before encryption (clear secret, no hint)
    hook = _hook(org["admin"])
    WebhookSubscription.objects.filter(pk=hook.pk).update(secret="whsec_plainsecret1234", secret_hint="")
    # when the migration runs (twice: a second run changes nothing)
    MIGRATION.encrypt_secrets(apps, None)
    once = _stored(hook)
    MIGRATION.encrypt_secrets(apps, None)
    # then the secret is encrypted, signs as before, and has its hint
    fresh = WebhookSubscription.objects.get(pk=hook.pk)
    assert is_encrypted(once) and _stored(hook) == once
    assert fresh.signing_secret == "whsec_plainsecret1234" and fresh.secret_hint == "whsec_…1234"
    # and going back decrypts it
    MIGRATION.decrypt_secrets(apps, None)
    assert _stored(hook) == "whsec_plainsecret1234"


def test_a_rotated_key_list_still_signs_and_a_lost_key_fails_the_delivery(org, settings):
    settings.GUANXI_OUTBOUND_ALLOWED_NETWORKS = "127.0.0.0/8"
    settings.GUANXI_ENCRYPTION_KEYS = "key-one"
    with webhook_receiver() as receiver:
        hook = _hook(org["admin"], receiver.url)
        plain = hook.new_secret  # type: ignore[attr-defined]
        # a new key put first: the secret encrypted with the old one still signs
        settings.GUANXI_ENCRYPTION_KEYS = "key-two,key-one"
        sent = services.webhook_send_test(actor=org["admin"], webhook=hook)
        assert services.webhook_delivery_attempt(delivery_id=sent.pk) == "delivered"
        got = receiver.requests[-1]
        assert verify(secret=plain, headers=got.headers, body=got.body)
        # the old key dropped: the delivery fails with the reason, nothing is sent
        settings.GUANXI_ENCRYPTION_KEYS = "key-two"
        lost = services.webhook_send_test(actor=org["admin"], webhook=hook)
        assert services.webhook_delivery_attempt(delivery_id=lost.pk) == "failed"
        assert len(receiver.requests) == 1
    assert "key" in WebhookDelivery.objects.get(pk=lost.pk).error
