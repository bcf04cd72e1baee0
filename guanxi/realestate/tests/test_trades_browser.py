"""In a real browser, the whole chain from a visitor, by the sales office's own roles: an agent (置业顾问) registers a
first-time visitor at reception and follows them up; prints a unit's purchase plan; confirms the buyer's selection
(the visitor, found by the server-searching picker, by pinyin too), takes a small deposit, makes the
subscription and signs the contract; finance (财务) records the rest of the price and the trade is paid up."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from guanxi.core.tests.browser import choose_option, sign_in
from guanxi.customers.models import FollowUp
from guanxi.org.services import roles_ensure_defaults
from guanxi.org.tests.factories import UserFactory
from guanxi.realestate import services
from guanxi.realestate.models import ProjectMember, Receipt, Trade, Unit, Visitor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_visitor_to_follow_up_plan_selection_deposit_subscription_contract_and_paid_up(page, org, project):
    admin = org["admin"]
    roles_ensure_defaults()  # the app's own roles, now that it is on
    agent = UserFactory(username="gw_agent", name="顾问小王", department=org.east, roles=["re_agent"])
    finance = UserFactory(username="cw_finance", name="财务小李", department=org.hq, roles=["re_finance"])
    ProjectMember.objects.filter(project=project).delete()
    ProjectMember.objects.create(project=project, user=agent, rotation_order=1)
    ProjectMember.objects.create(project=project, user=finance)
    ids = list(Unit.objects.filter(building__project=project).values_list("pk", flat=True))
    services.units_release(actor=admin, unit_ids=ids)
    services.prices_set_base(actor=admin, unit_ids=ids, basis="per_m2", base_price="30000")
    scheme = services.scheme_add(actor=admin, project=project, data={"name": "一次性付款", "kind": "full",
                                                                    "discount_percent": "97"})  # fmt: skip
    unit = Unit.objects.get(building__project=project, number="101")
    soon = (dt.date.today() + dt.timedelta(days=7)).isoformat()

    # 来访: the agent registers a first-time visitor and follows them up
    sign_in(page, "gw_agent")
    page.goto(f"{page.base_url}/realestate/visits/new/")
    page.locator("#v-phone").fill("138 0013 8000")
    page.locator("#v-name").fill("欧阳娜娜")
    page.locator("#v-source").select_option("walk_in")
    with page.expect_navigation():
        page.locator("#v-submit").click()
    visitor = Visitor.objects.get()
    assert (visitor.agent, visitor.customer.kind) == (agent, "individual")
    page.locator("#fu-content").fill("电话回访：已发户型图，周末来选房")
    with page.expect_navigation():
        page.locator("#fu-submit").click()
    assert FollowUp.objects.get().customer == visitor.customer

    # 置业计划, then 选房: the picker searches the server, by pinyin too
    page.goto(f"{page.base_url}/realestate/units/{unit.pk}/")
    page.locator("#pl_scheme").select_option(str(scheme.pk))
    with page.expect_navigation():
        page.locator("form[action$='/plan/'] button").click()
    expect(page.locator("body")).to_contain_text("2,910,000.00")
    found = page.request.get(f"{page.base_url}/api/v1/customers?limit=20&q=ouyang").json()
    assert [c["name"] for c in found["items"]] == ["欧阳娜娜"]
    page.goto(f"{page.base_url}/realestate/units/{unit.pk}/")
    choose_option(page.locator("#unit-sale"), "欧阳娜娜")
    with page.expect_navigation():
        page.locator("#unit-sale button[name=step]").click()
    trade = Trade.objects.get(unit=unit)
    assert (trade.stage, trade.customer_id) == ("selected", visitor.customer_id)

    # 小定 → 认购 → 签约
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
    expect(page.locator("#form-receive")).to_have_count(0)  # the agent takes no money

    # 收款: finance records the rest of the price; paid up
    sign_in(page, "cw_finance")
    page.goto(f"{page.base_url}/realestate/trades/{trade.pk}/")
    page.locator("#r_amount").fill("2890000")
    with page.expect_navigation():
        page.locator("#form-receive button").click()
    trade.refresh_from_db()
    assert trade.stage == "paid_up" and Unit.objects.get(pk=unit.pk).status == "paid_up"
    assert [r.kind for r in Receipt.objects.filter(trade=trade).order_by("id")] == ["small_deposit", "payment"]
    expect(page.locator("#trade-balance")).to_contain_text("2,910,000.00")
