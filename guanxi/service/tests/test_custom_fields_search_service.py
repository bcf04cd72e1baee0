"""Tickets and assets are found by their custom text fields' values, pinyin initials included, as by their subject or
name: in the global search and the REST list's `q`, kept current when the value changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.core.custom_fields import services as field_services
from guanxi.service import services

pytestmark = pytest.mark.django_db


def _field(admin: Any, target: str, code: str) -> None:
    field_services.custom_field_create(actor=admin, data={"target": target, "code": code, "type": "text",
                                                          "label_zh": code})  # fmt: skip


def test_tickets_and_assets_are_found_by_their_custom_text(people: Any, customer: Any, api_token_for: Any) -> None:
    admin, agent = people["admin"], people["service_manager"]
    _field(admin, "service.ticket", "site")
    _field(admin, "service.asset", "room")
    ticket = services.ticket_create(
        actor=agent, data={"customer": customer.pk, "subject": "打印机", "custom": {"site": "西湖机房"}}
    )
    asset = services.asset_create(actor=agent, data={"customer": customer.pk, "name": "服务器",
                                                     "custom": {"room": "东区仓库"}})  # fmt: skip
    web = Client()
    web.force_login(agent)
    page = web.get("/search/", {"q": "xhjf"}).content.decode()
    assert reverse("service:ticket_detail", args=[ticket.pk]) in page
    assert reverse("service:asset_detail", args=[asset.pk]) in web.get("/search/", {"q": "dqck"}).content.decode()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(agent)}"}
    assert [t["id"] for t in Client().get("/api/v1/tickets", {"q": "xihu"}, **auth).json()["items"]] == [ticket.pk]
    services.ticket_update(actor=agent, ticket=ticket, data={"custom": {"site": "滨江机房"}})
    assert Client().get("/api/v1/tickets", {"q": "xihu"}, **auth).json()["items"] == []
    services.asset_update(actor=agent, asset=asset, data={"custom": {"room": "南区仓库"}})
    assert reverse("service:asset_detail", args=[asset.pk]) in web.get("/search/", {"q": "nqck"}).content.decode()
