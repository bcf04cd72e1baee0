"""The leads API filters on custom fields as the customers API does (`custom=<code>:<value>`, shared with every list
endpoint of an object that has custom fields): a link to a customer by its id, within the caller's reach."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guanxi.core.custom_fields import services as field_services
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_leads_filter_by_a_linked_customer(org: Any, api_token_for: Any):
    admin, rep = org["admin"], org["east_rep"]
    data = {"target": "sales.lead", "code": "referrer", "type": "customer", "label_zh": "介绍客户"}
    field_services.custom_field_create(actor=admin, data=data)
    referrer = CustomerFactory(owner=rep)
    found = LeadFactory(owner=rep, custom={"referrer": referrer.pk})
    LeadFactory(owner=rep)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(rep)}"}
    client = Client()
    body = client.get("/api/v1/leads", {"custom": f"referrer:{referrer.pk}"}, **auth).json()
    assert [row["id"] for row in body["items"]] == [found.pk]
    refused = client.get("/api/v1/leads", {"custom": "referrer"}, **auth)
    assert refused.status_code == 400 and "custom" in refused.json()["error"]["fields"]
