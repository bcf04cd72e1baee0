"""Leads and opportunities are found by their custom text fields' values, pinyin and initials included, as by their
name: in the global search and in the REST list's `q`, the value written on create and kept current on update; a
field shown to some roles only stays out of the index (a search would reveal it)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from guanxi.core.custom_fields import services as field_services
from guanxi.core.custom_fields.models import CustomField
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.leads.services import lead_create, lead_update
from guanxi.sales.opportunities import services
from guanxi.sales.opportunities.models import Opportunity
from guanxi.sales.opportunities.selectors import search_opportunities

pytestmark = pytest.mark.django_db


def _field(admin: Any, target: str, code: str, **extra: Any) -> None:
    data = {"target": target, "code": code, "type": "text", "label_zh": code, **extra}
    field_services.custom_field_create(actor=admin, data=data)


def _web(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_deal_is_found_by_its_custom_text_in_the_global_search_and_the_api(org: Any, api_token_for: Any) -> None:
    admin, rep = org["admin"], org["east_rep"]
    _field(admin, "sales.opportunity", "site")
    _field(admin, "sales.opportunity", "secret", view_roles=["finance"])
    customer = CustomerFactory(name="甲公司", owner=rep)
    deal = services.opportunity_create(  # an administrator sets the restricted field, the rep owns the deal
        actor=admin,
        owner=rep,
        customer=customer,
        data={"name": "ERP 项目", "custom": {"site": "西湖园区", "secret": "ZX-7788"}},
    )
    # then the global search finds it by the value's characters and its pinyin initials, not by the hidden field
    url = reverse("sales:opportunity_detail", args=[deal.pk])
    assert url in _web(rep).get("/search/", {"q": "xhyq"}).content.decode()
    assert url not in _web(rep).get("/search/", {"q": "ZX-7788"}).content.decode()
    # and so does the REST list's search, by the full pinyin
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(rep)}"}
    body = Client().get("/api/v1/opportunities", {"q": "xihu"}, **auth).json()
    assert [row["id"] for row in body["items"]] == [deal.pk]
    # when the value changes, the new one finds it and the old one no longer does
    services.opportunity_update(actor=rep, opportunity=deal, data={"custom": {"site": "滨江园区"}})
    assert [o.pk for o in search_opportunities(user=rep, query="bjyq")] == [deal.pk]
    assert list(search_opportunities(user=rep, query="xhyq")) == []


def test_a_lead_is_found_by_its_custom_text_pinyin(org: Any, api_token_for: Any) -> None:
    admin, manager = org["admin"], org["east_manager"]
    _field(admin, "sales.lead", "booth")
    lead = lead_create(actor=manager, data={"company_name": "乙公司", "mobile": "13812345678",
                                            "custom": {"booth": "展会东馆"}})  # fmt: skip
    assert reverse("sales:lead_detail", args=[lead.pk]) in _web(manager).get("/search/", {"q": "zhdg"}).content.decode()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(manager)}"}
    body = Client().get("/api/v1/leads", {"q": "zhanhui"}, **auth).json()
    assert [row["id"] for row in body["items"]] == [lead.pk]
    lead_update(actor=manager, lead=lead, data={"custom": {"booth": "西馆"}})
    body = Client().get("/api/v1/leads", {"q": "zhanhui"}, **auth).json()
    assert body["items"] == []


def test_a_retired_or_narrowed_field_stops_finding_records_and_a_restored_one_finds_them_again(
    org: Any, api_token_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given a lead found by its custom booth (展会东馆)
    admin, manager = org["admin"], org["east_manager"]
    _field(admin, "sales.lead", "booth")
    field = CustomField.objects.get(target="sales.lead", code="booth")
    lead = lead_create(actor=manager, data={"company_name": "丙公司", "mobile": "13812345679",
                                            "custom": {"booth": "展会东馆"}})  # fmt: skip
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(manager)}"}

    def found() -> list[int]:
        return [row["id"] for row in Client().get("/api/v1/leads", {"q": "zhanhui"}, **auth).json()["items"]]

    assert found() == [lead.pk]
    # when the administrator retires the field (nobody saves the lead): the worker's refresh takes it out of search
    with django_capture_on_commit_callbacks(execute=True):
        field_services.custom_field_retire(actor=admin, field_id=field.pk)
    assert found() == []
    # when it is restored, the lead is found again
    with django_capture_on_commit_callbacks(execute=True):
        field_services.custom_field_restore(actor=admin, field_id=field.pk)
    assert found() == [lead.pk]
    # when it is shown to finance only, a search can no longer reveal its value
    with django_capture_on_commit_callbacks(execute=True):
        field_services.custom_field_update(actor=admin, field_id=field.pk, data={"view_roles": ["finance"]})
    assert found() == []


def test_search_rebuild_puts_custom_values_saved_before_they_were_searched_into_the_search_text(org: Any) -> None:
    # given a deal whose custom text was saved before deals were searched by it (its search text lacks the value)
    admin, rep = org["admin"], org["east_rep"]
    _field(admin, "sales.opportunity", "site")
    deal = services.opportunity_create(actor=admin, owner=rep, customer=CustomerFactory(name="丁公司", owner=rep),
                                       data={"name": "CRM 项目", "custom": {"site": "西湖园区"}})  # fmt: skip
    Opportunity.objects.filter(pk=deal.pk).update(own_search_text=services.opportunity_search_text(deal.name))
    assert list(search_opportunities(user=rep, query="xhyq")) == []
    # when the administrator runs `guanxi search-rebuild`, then the deal is found by it
    call_command("guanxi_search_rebuild", stdout=io.StringIO())
    assert [o.pk for o in search_opportunities(user=rep, query="xhyq")] == [deal.pk]
