"""In a real browser: the marketer opens the member list, goes to a member's page, redeems points and uses a
coupon on a contract there, and the ledger and the coupons used show it; the customer's 360 page Membership tab
shows the new balance; on a phone the member page reads without sideways scrolling."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from guanxi.billing.tests.factories import ContractFactory
from guanxi.core.tests.browser import sign_in
from guanxi.marketing.loyalty import ledger, services
from guanxi.marketing.loyalty.models import Coupon, PointsEntry

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_member_list_to_member_page_redeem_and_coupon_show_in_the_ledger(page, people, book):
    member = services.member_enrol(actor=people["marketer"], data={"customer": book["a1"].pk})
    ledger.points_earn(member=member, points=300, source="payment:1", rule=None, note="回款积分")
    today = dt.date.today()
    Coupon.objects.create(code="VIP50", name="会员抵用券", value="50", valid_from=today, valid_until=today)
    contract = ContractFactory(customer=book["a1"])
    sign_in(page, "marketer")
    # the member list → the member's page
    page.goto(f"{page.base_url}/marketing/members/?scene=all")
    page.get_by_role("link", name=member.card_number).first.click()
    expect(page.locator("h2.page-title")).to_contain_text(member.card_number)
    # redeem 120 points for a gift
    page.locator("#redeem_points").fill("120")
    page.locator("#redeem_note").fill("兑换保温杯")
    page.locator("#redeem-send").click()
    ledger_card = page.locator("#ledger")
    expect(ledger_card.locator("tbody tr").first).to_contain_text("-120")
    expect(page.locator(".h2").first).to_have_text("180")
    # use a coupon on the customer's contract
    page.locator("#coupon_code").fill("vip50")
    page.locator("#coupon_contract").fill(str(contract.pk))
    page.locator("#coupon-send").click()
    expect(page.locator("#coupons-used")).to_contain_text("VIP50")
    member.refresh_from_db()
    assert member.points_balance == 180 == ledger.ledger_sum(member.pk)
    assert PointsEntry.objects.filter(member=member, kind="redeem", points=-120).exists()
    assert member.coupon_redemptions.get().contract_id == contract.pk
    # the customer's 360 page, Membership tab
    page.goto(f"{page.base_url}/customers/{book['a1'].pk}/#tab-membership")  # the link the enrol buttons use
    expect(page.locator("#tab-membership")).to_be_visible()
    expect(page.locator("#tab-membership")).to_contain_text("180")
    expect(page.locator("#tab-membership")).to_contain_text("VIP50")
    # on a phone: the member page fits its width
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{page.base_url}/marketing/members/{member.pk}/")
    expect(page.locator("#ledger")).to_contain_text("-120")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
