"""In a real browser, the shared inputs (core.widgets) on the deal form: the customer found by pinyin through the
server, the amount shown with thousands separators but saved as the number, the signing date picked from a calendar
that writes yyyy-mm-dd; and the date and amount are refused on their field when the server disagrees."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from guanxi.core.tests.browser import sign_in
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.models import Opportunity

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_rep_creates_a_deal_with_the_shared_inputs(page, org):
    # given a rep with a customer among others (the form lists none up front: it searches as one types)
    CustomerFactory(owner=org["east_rep"], name="上海远航物流有限公司")
    customer = CustomerFactory(owner=org["east_rep"], name="北京华信科技有限公司")
    sign_in(page, "east_rep")
    page.goto(page.base_url + "/sales/opportunities/new/")
    # when the rep types the initials of the customer's name and picks it
    page.locator(".ts-wrapper").first.click()
    page.keyboard.type("bjhx")
    option = page.locator(".ts-dropdown .option", has_text="北京华信科技有限公司")
    expect(option).to_be_visible()
    expect(page.locator(".ts-dropdown .option", has_text="上海远航")).to_have_count(0)
    option.click()
    # and types the amount: the field shows separators as it goes
    amount = page.locator("input[name=amount]")
    amount.fill("")
    amount.press_sequentially("1280000.5")
    expect(amount).to_have_value("1,280,000.5")
    # and picks the 15th of next month from the calendar
    page.locator("input[name=expected_close_date]").click()
    calendar = page.locator(".flatpickr-calendar.open")
    expect(calendar).to_be_visible()
    calendar.locator(".flatpickr-next-month").click()
    calendar.locator(".flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)", has_text="15").first.click()
    today = dt.date.today()
    first_of_next = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    expect(page.locator("input[name=expected_close_date]")).to_have_value(first_of_next.replace(day=15).isoformat())
    page.locator("input[name=name]").fill("数据平台项目")
    page.locator("main button[type=submit].btn-primary").click()
    page.wait_for_url(lambda url: "/new/" not in url)
    # then the deal has the plain amount and the chosen date
    deal = Opportunity.objects.get(name="数据平台项目")
    assert deal.customer_id == customer.pk
    assert deal.amount == Decimal("1280000.50")
    assert deal.expected_close_date == first_of_next.replace(day=15)


def test_a_typed_impossible_date_is_refused_on_its_field(page, org):
    CustomerFactory(owner=org["east_rep"], name="北京华信科技有限公司")
    sign_in(page, "east_rep")
    page.goto(page.base_url + "/sales/opportunities/new/")
    page.locator(".ts-wrapper").first.click()
    page.keyboard.type("华信")
    page.locator(".ts-dropdown .option", has_text="北京华信").click()
    page.locator("input[name=amount]").fill("5000")
    # when the rep types a date that does not exist, past the calendar
    date = page.locator("input[name=expected_close_date]")
    date.fill("2026-02-30")
    page.keyboard.press("Escape")
    page.locator("input[name=name]").fill("日期错误")
    page.locator("main button[type=submit].btn-primary").click()
    # then the server names the field and nothing is saved
    expect(page.locator("input[name=expected_close_date].is-invalid")).to_have_value("2026-02-30")
    assert not Opportunity.objects.filter(name="日期错误").exists()
