"""Custom fields on quotes and contracts: their hand-written forms take them (an error under the field keeps the
rest of the input, nothing written), the record pages show them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guanxi.approvals.selectors import approval_open_for
from guanxi.approvals.services import approval_approve
from guanxi.commerce import services
from guanxi.commerce.models import Contract, Quote
from guanxi.core.custom_fields import services as field_services

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_quote_form_takes_custom_values_and_the_page_shows_them(org: Any, customer: Any, products: list[Any]):
    field_services.custom_field_create(
        actor=org["admin"],
        data={"target": "commerce.quote", "code": "delivery_port", "type": "text", "label_zh": "交货港口",
              "label_en": "Delivery port", "required": True},
    )  # fmt: skip
    web = _client(org["east_rep"])
    post = {"customer": customer.pk, "title": "港口报价", "overall_discount": "10",
            "line-product": [products[0].pk], "line-quantity": ["2"], "line-discount": ["10"],
            "line-description": [""]}  # fmt: skip
    page = web.get(f"/commerce/quotes/new/?customer={customer.pk}").content.decode()
    assert 'name="custom.delivery_port"' in page
    r = web.post(f"/commerce/quotes/new/?customer={customer.pk}", post)
    assert r.status_code == 400 and not Quote.objects.exists()
    r = web.post(f"/commerce/quotes/new/?customer={customer.pk}", {**post, "custom.delivery_port": "宁波港"})
    assert r.status_code == 302, r.content.decode()[:3000]
    quote = Quote.objects.get()
    assert quote.custom == {"delivery_port": "宁波港"}
    assert "宁波港" in web.get(f"/commerce/quotes/{quote.pk}/").content.decode()
    assert 'value="宁波港"' in web.get(f"/commerce/quotes/{quote.pk}/edit/").content.decode()


def test_the_contract_form_takes_custom_values(org: Any, customer: Any, make_quote: Any):
    field_services.custom_field_create(
        actor=org["admin"],
        data={"target": "commerce.contract", "code": "stamp_count", "type": "number", "label_zh": "用印份数"},
    )
    rep = org["east_rep"]
    quote = services.quote_submit(actor=rep, quote=make_quote(rep, customer, "0.6"))
    approval_approve(actor=org["east_manager"], request=approval_open_for(quote))
    web = _client(rep)
    base = {"quote": quote.pk, "title": "盖章合同", "standard_template": "on"}
    r = web.post(f"/commerce/contracts/new/?quote={quote.pk}", {**base, "custom.stamp_count": "many"})
    assert r.status_code == 400 and not Contract.objects.exists()
    assert "盖章合同" in r.content.decode()
    r = web.post(f"/commerce/contracts/new/?quote={quote.pk}", {**base, "custom.stamp_count": "3"})
    assert r.status_code == 302
    contract = Contract.objects.get()
    assert contract.custom == {"stamp_count": 3}
    assert 'data-custom-field="stamp_count"' in web.get(f"/commerce/contracts/{contract.pk}/").content.decode()
