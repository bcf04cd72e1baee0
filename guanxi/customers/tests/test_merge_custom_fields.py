"""Merging customers offers the same choice for custom values as for the built-in fields: a row per custom field the
merger may edit, marked where the records differ; the chosen record's value goes to the survivor, audited old → new
(custom.<code>), searchable, and an undo puts the survivor's own value back. A field the merger may not edit cannot be
taken (403, nothing merged)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from guanxi.core.custom_fields import services as field_services
from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.customers.dedupe.services import customer_merge, customer_merge_undo
from guanxi.customers.models import Customer
from guanxi.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org: Any) -> tuple[Any, Any]:
    admin = org["admin"]
    for code, label, extra in (
        ("tax_office", "Tax office", {}),
        ("credit_limit", "Credit limit", {"edit_roles": ["finance"]}),
    ):
        field_services.custom_field_create(
            actor=admin, data={"target": "customers.customer", "code": code, "type": "text", "label_en": label,
                               "label_zh": label, **extra},
        )  # fmt: skip
    a = CustomerFactory(owner=org["east_rep"], name="华信科技有限公司", custom={"tax_office": "海淀区税务局"})
    b = CustomerFactory(
        owner=org["east_rep"], name="华信科技股份有限公司", custom={"tax_office": "朝阳区税务局", "credit_limit": "9"}
    )
    return a, b


def test_the_chosen_records_custom_value_goes_to_the_survivor_audited_and_back_on_undo(org, pair):
    a, b = pair
    manager = org["east_manager"]
    # when the manager merges b into a, taking b's tax office
    merge = customer_merge(
        actor=manager, survivor_id=a.pk, merged_ids=[b.pk], field_sources={"custom.tax_office": b.pk}
    )
    # then the survivor holds it, the audit trail says old → new, and search finds it
    a.refresh_from_db()
    assert a.custom == {"tax_office": "朝阳区税务局"}
    entry = AuditLog.objects.filter(object_id=str(a.pk), action=AuditLog.Action.UPDATE).latest("id")
    assert entry.changes["custom.tax_office"] == ["海淀区税务局", "朝阳区税务局"]
    assert "朝阳区税务局" in a.search_text
    # and the undo gives the survivor its own value back
    customer_merge_undo(actor=manager, merge_id=merge.pk)
    a.refresh_from_db()
    assert a.custom == {"tax_office": "海淀区税务局"} and "朝阳区税务局" not in a.search_text


def test_a_field_the_merger_may_not_edit_cannot_be_taken_and_nothing_is_merged(org, pair):
    a, b = pair
    with pytest.raises(PermissionDeniedError) as exc:
        customer_merge(
            actor=org["east_manager"], survivor_id=a.pk, merged_ids=[b.pk], field_sources={"custom.credit_limit": b.pk}
        )
    assert "Credit limit" in str(exc.value)
    assert Customer.objects.filter(pk=b.pk).exists() and Customer.objects.get(pk=a.pk).custom == a.custom
    with pytest.raises(ValidationFailed):
        customer_merge(actor=org["east_manager"], survivor_id=a.pk, merged_ids=[b.pk], field_sources={"custom.x": b.pk})


def test_the_merge_page_offers_the_custom_values_that_differ(client, org, pair):
    a, b = pair
    client.force_login(org["east_manager"])
    url = reverse("dedupe:merge")
    page = client.get(url, {"ids": [a.pk, b.pk]})
    html = page.content.decode()
    # the tax office differs and is offered; the credit limit (finance edits it) is not
    assert page.status_code == 200 and 'name="field_custom.tax_office"' in html and "朝阳区税务局" in html
    assert "field_custom.credit_limit" not in html
    # when the manager picks b's value on the page
    response = client.post(url, {"ids": [a.pk, b.pk], "survivor": a.pk, "field_custom.tax_office": b.pk})
    assert response.status_code == 302
    assert Customer.objects.get(pk=a.pk).custom == {"tax_office": "朝阳区税务局"}


def test_the_api_takes_a_custom_field_by_its_key(org, pair, api_token_for, client):
    a, b = pair
    token = api_token_for(org["east_manager"])
    body = {"survivor_id": a.pk, "merged_ids": [b.pk], "fields": {"custom.tax_office": b.pk}}
    response = client.post(
        "/api/v1/dedupe/merge", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 201, response.content
    assert Customer.objects.get(pk=a.pk).custom == {"tax_office": "朝阳区税务局"}
