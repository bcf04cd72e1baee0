"""A webhook's reader: the body of each delivery carries the custom fields the subscription's reader role sees (no
role: only the fields every role sees), never those shown to other roles only; the role is chosen on the form and
through the API, an unknown role code is an error naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from guanxi.core.custom_fields import services as field_services
from guanxi.core.events import DomainEvent
from guanxi.core.registry import registry
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.webhooks import services
from guanxi.org.webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


def _hook(admin: Any, **data: Any) -> WebhookSubscription:
    return services.webhook_create(
        actor=admin,
        data={"name": "ERP", "url": "https://erp.example.com/h", "event_types": ["customer.created"], **data},
    )


def test_each_body_carries_the_custom_fields_its_reader_role_sees(org):
    admin = org["admin"]
    for code, roles in (("tax_office", []), ("credit_limit", ["finance"])):
        field_services.custom_field_create(
            actor=admin,
            data={"target": "customers.customer", "code": code, "type": "text", "label_zh": code, "view_roles": roles},
        )
    finance_hook = _hook(admin, reader_role="finance")
    plain_hook = _hook(admin)
    customer = CustomerFactory(owner=org["east_rep"], custom={"tax_office": "海淀", "credit_limit": "50万"})
    event = DomainEvent(event_type=registry.event_types["customer.created"], object_id=customer.pk, obj=customer)
    # when the event is queued for both subscriptions
    services.deliveries_queue([event])
    # then the finance reader gets both fields, the one without a role only the field every role sees
    bodies = {d.subscription_id: d.payload["data"] for d in WebhookDelivery.objects.all()}
    assert bodies[finance_hook.pk]["custom"] == {"tax_office": "海淀", "credit_limit": "50万"}
    assert bodies[plain_hook.pk]["custom"] == {"tax_office": "海淀"}
    assert bodies[plain_hook.pk]["name"] == customer.name  # the rest of the body is the same


def test_the_reader_role_is_set_on_the_form_and_through_the_api(org, admin_web, api_token_for, client):
    response = admin_web.post(
        reverse("org:webhook_create"),
        {"name": "ERP", "url": "https://erp.example.com/h", "event_types": ["customer.created"],
         "reader_role": "finance", "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302 and WebhookSubscription.objects.get().reader_role == "finance"
    page = admin_web.get(response["Location"]).content.decode()
    assert 'value="finance" selected' in page
    token = api_token_for(org["admin"])
    hook = WebhookSubscription.objects.get()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    bad = client.patch(
        f"/api/v1/webhooks/{hook.pk}", {"reader_role": "nobody"}, content_type="application/json", **auth
    )
    assert bad.status_code == 400 and "reader_role" in bad.json()["error"]["fields"]
    assert WebhookSubscription.objects.get().reader_role == "finance"
    ok = client.patch(f"/api/v1/webhooks/{hook.pk}", {"reader_role": ""}, content_type="application/json", **auth)
    assert ok.status_code == 200 and ok.json()["reader_role"] == ""
