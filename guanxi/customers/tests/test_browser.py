"""A sales rep's first day, in a real browser (headless Chromium): sign in, register a customer, add a contact,
log a follow-up, find the customer again by its pinyin initials, and see everything on the 360 page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from guanxi.core.tests.browser import sign_in
from guanxi.customers.models import Contact, Customer, FollowUp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_registers_a_customer_and_finds_it_by_pinyin_initials(org, page):
    sign_in(page, "east_rep")

    # register a customer
    page.goto(f"{page.base_url}/customers/new/")
    page.locator("input[name=name]").fill("北京华信科技有限公司")
    page.locator("input[name=phone]").fill("010-62881234")
    page.get_by_role("button", name=re.compile("^Save")).first.click()
    expect(page.locator("h2, h1").filter(has_text="北京华信科技有限公司").first).to_be_visible()
    customer = Customer.objects.get(name="北京华信科技有限公司")
    assert customer.owner.username == "east_rep"
    assert re.search(rf"/customers/{customer.pk}/$", page.url)

    # add a contact from the Contacts tab
    page.get_by_role("tab", name=re.compile("Contacts")).click()
    page.locator("#tab-contacts").get_by_role("link", name=re.compile("Add contact")).click()
    contact_form = page.locator("#tab-contacts form").filter(has=page.locator("input[name=name]")).first
    contact_form.locator("input[name=name]").fill("王经理")
    contact_form.locator("input[name=mobile]").fill("13812345678")
    contact_form.get_by_role("button", name=re.compile("^Save")).click()
    expect(page.locator("#contacts-panel")).to_contain_text("王经理")
    assert Contact.objects.filter(customer=customer, name="王经理").exists()
    # the rest of the page follows at once, without a reload: the tab's count and the composer's contact choice
    expect(page.locator("#contacts-count")).to_have_text("1")
    contact = Contact.objects.get(customer=customer, name="王经理")
    expect(page.locator(f"#composer select[name=contact] option[value='{contact.pk}']")).to_have_count(1)

    # log a follow-up in the composer
    page.get_by_role("tab", name=re.compile("Activity")).click()
    composer = page.locator("#composer")
    composer.locator("textarea[name=content]").fill("电话沟通：客户关注价格，下周安排演示")
    composer.get_by_role("button", name="Save follow-up").click()
    expect(page.locator("#tab-activity")).to_contain_text("客户关注价格")
    assert FollowUp.objects.filter(customer=customer, author__username="east_rep").count() == 1
    customer.refresh_from_db()
    assert customer.last_contact_at is not None

    # find it from the global search box by pinyin initials
    page.goto(f"{page.base_url}/customers/my-day/")
    page.keyboard.press("/")
    page.keyboard.type("bjhx")
    suggestion = page.locator("#search-suggest").get_by_role("link", name=re.compile("北京华信科技有限公司"))
    expect(suggestion).to_be_visible()
    suggestion.click()

    # the 360 page shows the contact, the follow-up and the recorded changes
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/"))
    expect(page.locator("#tab-activity")).to_contain_text("客户关注价格")
    expect(page.locator("body")).to_contain_text("王经理")
    change_log = page.get_by_role("tab", name=re.compile("Change log"), include_hidden=True)
    if not change_log.is_visible():  # the tab row's later tabs are under "More" when they do not fit
        page.locator("[data-gx-tabs-more] .dropdown-toggle").click()
    change_log.click()
    expect(page.locator("#tab-changes")).to_contain_text("北京华信科技有限公司")
