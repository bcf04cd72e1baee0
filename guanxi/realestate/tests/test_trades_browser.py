"""In a real browser: an agent prints a unit's purchase plan, confirms the buyer's selection (an existing customer,
picked by typing), takes a small deposit, makes the subscription and signs the contract; finance records the rest of
the price and the trade is paid up. (The visitor step before it is the sales office's: test_visits_browser.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from guanxi.core.tests.browser import choose_option, sign_in
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.realestate import services
from guanxi.realestate.models import Receipt, Trade, Unit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_purchase_plan_to_deposit_subscription_contract_and_receipt(page, org, project):
    admin = org["admin"]
    ids = list(Unit.objects.filter(building__project=project).values_list("pk", flat=True))
    services.units_release(actor=admin, unit_ids=ids)
    services.prices_set_base(actor=admin, unit_ids=ids, basis="per_m2", base_price="30000")
    scheme = services.scheme_add(actor=admin, project=project, data={"name": "一次性付款", "kind": "full",
                                                                    "discount_percent": "97"})  # fmt: skip
    CustomerFactory(name="欧阳娜娜", owner=org["east_rep"])
    unit = Unit.objects.get(building__project=project, number="101")
    soon = (dt.date.today() + dt.timedelta(days=7)).isoformat()

    sign_in(page, "east_rep")
    page.goto(f"{page.base_url}/realestate/units/{unit.pk}/")
    page.locator("#pl_scheme").select_option(str(scheme.pk))
    with page.expect_navigation():
        page.locator("form[action$='/plan/'] button").click()
    expect(page.locator("body")).to_contain_text("2,910,000.00")
    page.goto(f"{page.base_url}/realestate/units/{unit.pk}/")
    choose_option(page.locator("#unit-sale"), "欧阳娜娜")
    with page.expect_navigation():
        page.locator("#unit-sale button[name=step]").click()
    trade = Trade.objects.get(unit=unit)
    assert trade.stage == "selected"

    page.locator("#dep_amount").fill("20000")
    page.locator("#dep_expires").fill(soon)
    with page.expect_navigation():
        page.locator("#form-deposit button").click()
    expect(page.locator(".alert-success")).to_be_visible()
    page.locator("#sub_deposit").fill("100000")
    page.locator("#sub_sign_by").fill(soon)
    with page.expect_navigation():
        page.locator("#form-subscribe button").click()
    expect(page.locator("#trade-price")).to_contain_text("2,910,000.00")
    page.locator("#c_filing").fill("沪网签2026-000123")
    with page.expect_navigation():
        page.locator("#form-sign button").click()
    trade.refresh_from_db()
    assert (trade.stage, trade.contracts.get().filing_number) == ("signed", "沪网签2026-000123")

    sign_in(page, "admin")
    page.goto(f"{page.base_url}/realestate/trades/{trade.pk}/")
    page.locator("#r_amount").fill("2890000")
    with page.expect_navigation():
        page.locator("#form-receive button").click()
    trade.refresh_from_db()
    assert trade.stage == "paid_up" and Unit.objects.get(pk=unit.pk).status == "paid_up"
    assert [r.kind for r in Receipt.objects.filter(trade=trade).order_by("id")] == ["small_deposit", "payment"]
    expect(page.locator("#trade-balance")).to_contain_text("2,910,000.00")
