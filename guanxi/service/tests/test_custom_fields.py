"""Custom fields on tickets and assets (core.custom_fields): the forms and the API take them through the one check,
the record pages and the list toolkit (column and filter) show them, the audit trail names each change."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guanxi.core.custom_fields import services as field_services
from guanxi.core.errors import ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.service import services
from guanxi.service.models import Asset, Ticket

from .factories import make_asset, make_ticket

pytestmark = pytest.mark.django_db


def _field(people: Any, target: str, code: str, **extra: Any) -> None:
    field_services.custom_field_create(
        actor=people["admin"],
        data={"target": target, "code": code, "type": "text", "label_zh": code, "label_en": code, **extra},
    )


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_ticket_form_takes_a_required_custom_field_and_the_page_and_list_show_it(people, customer):
    _field(people, "service.ticket", "claim_no", required=True, filterable=True)
    web = _client(people["agent"])
    post = {"customer": customer.pk, "type": "claim", "priority": "normal", "channel": "phone", "subject": "报案"}
    assert 'name="custom.claim_no"' in web.get("/service/tickets/new/").content.decode()
    assert web.post("/service/tickets/new/", post).status_code == 400 and not Ticket.objects.exists()
    r = web.post("/service/tickets/new/", {**post, "custom.claim_no": "BA-778"})
    import re

    assert r.status_code == 302, re.findall(r"invalid-feedback[^>]*>([^<]*)<", r.content.decode())
    ticket = Ticket.objects.get()
    assert ticket.custom == {"claim_no": "BA-778"}
    assert "BA-778" in web.get(f"/service/tickets/{ticket.pk}/").content.decode()
    listing = web.get("/service/tickets/?scene=all&columns=number,cf_claim_no&cf_claim_no=BA-778").content.decode()
    assert ticket.number in listing and "BA-778" in listing
    assert ticket.number not in web.get("/service/tickets/?scene=all&cf_claim_no=other").content.decode()


def test_assets_take_custom_values_through_the_services_and_the_api_with_an_audited_change(people, customer):
    from guanxi.core.tests.clients import JsonClient

    _field(people, "service.asset", "vin")
    asset = make_asset(people["east_rep"], customer, plate_number="京A12345", custom={"vin": "LSVAU2180N2183001"})
    assert asset.custom == {"vin": "LSVAU2180N2183001"}
    with pytest.raises(ValidationFailed) as refused:
        make_asset(people["east_rep"], customer, custom={"nope": "x"})
    assert "custom" in str(refused.value.fields) or refused.value.fields
    api = JsonClient(people["east_rep"])
    body = api.client.get(f"/api/v1/assets/{asset.pk}").json()
    assert body["custom"] == {"vin": "LSVAU2180N2183001"}
    asset = services.asset_update(actor=people["east_rep"], asset=asset, data={"custom": {"vin": "LSVAU2180N2183002"}})
    change = AuditLog.objects.filter(object_id=str(asset.pk), action="update").latest("id")
    assert "custom.vin" in change.changes
    page = _client(people["east_rep"]).get(f"/service/assets/{asset.pk}/").content.decode()
    assert "LSVAU2180N2183002" in page
    assert Asset.objects.filter(custom__vin="LSVAU2180N2183002").count() == 1


def test_a_ticket_without_custom_values_still_comes_in_by_email_or_api(people, customer):
    _field(people, "service.ticket", "claim_no")
    ticket = make_ticket(people["east_rep"], customer)
    assert ticket.custom == {}
