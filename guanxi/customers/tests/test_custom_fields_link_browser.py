"""In a real browser: a sales rep filters the customer list on a custom field linking to a customer by typing part
of the linked customer's name in the filter bar's picker (the shared searchable select on the scope-checked customers
API); the list narrows, the chip names the customer, and a customer out of the rep's reach is never offered."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from guanxi.core.custom_fields import services as field_services
from guanxi.core.tests.browser import choose_option, sign_in
from guanxi.customers.tests.factories import CustomerFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_picking_a_linked_customer_filters_the_list(page: Any, org: Any):
    admin, rep = org["admin"], org["east_rep"]
    data = {"target": "customers.customer", "code": "partner", "type": "customer", "label_zh": "合作伙伴",
            "label_en": "Partner", "filterable": True}  # fmt: skip
    field_services.custom_field_create(actor=admin, data=data)
    partner = CustomerFactory(owner=rep, name="华东伙伴有限公司")
    CustomerFactory(owner=org["west_rep"], name="华西秘密客户")
    linked = CustomerFactory(owner=rep, name="甲方客户", custom={"partner": partner.pk})
    CustomerFactory(owner=rep, name="乙方客户")
    page.goto(page.base_url + "/login/", timeout=60_000)  # the live server's first answer (a loaded machine)
    sign_in(page, "east_rep")
    page.goto(page.base_url + "/customers/?scene=all")
    picker = page.locator(".gx-remote-filter").first
    # a customer of another region is not offered
    picker.locator(".ts-control").click()
    page.keyboard.type("华西秘密")
    expect(picker.locator(".ts-dropdown .no-results")).to_be_visible()
    # the rep's own partner is, by name
    for _ in range(len("华西秘密")):
        page.keyboard.press("Backspace")
    page.keyboard.press("Escape")
    choose_option(picker, "华东伙伴")
    expect(page.locator("#list-chips")).to_contain_text(partner.name)  # the chip names the customer, not its id
    expect(page.locator("#list-chips")).to_contain_text(re.compile("合作伙伴|Partner"))  # the field's label
    expect(page.locator("#list-results")).to_contain_text(linked.name)
    expect(page.locator("#list-results")).not_to_contain_text("乙方客户")
    assert f"cf_partner={partner.pk}" in page.url
