"""In a real browser: the 360 page's tab row never overflows — tabs that do not fit (the higher apps' tabs
included) move into "More" with their counts, and open from there."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from guanxi.core.tests.browser import sign_in
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory, TaskFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FITS = (
    "(() => { const n = document.querySelector('[data-gx-tabs-overflow]');"
    " return n.scrollWidth <= n.clientWidth + 1; })()"
)


@pytest.mark.parametrize("width", [1366, 390])
def test_the_tab_row_fits_and_the_rest_is_under_more(org, page, width):
    # given a customer with two contacts and an open task
    rep = org["east_rep"]
    customer = CustomerFactory(owner=rep, name="标签页客户")
    ContactFactory(customer=customer)
    ContactFactory(customer=customer)
    TaskFactory(assignee=rep, customer=customer, title="回访")
    page.set_viewport_size({"width": width, "height": 844 if width < 500 else 800})
    sign_in(page, "east_rep")
    # when the rep opens its page
    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    tabs = page.locator("[data-gx-tabs-overflow]")
    # then the row does not overflow, nor does the page
    assert page.evaluate(FITS)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # every tab is still there, in the row or under "More", with its count
    for name in ("Activity", "Details", "Contacts", "Tasks", "Change log"):
        expect(tabs.get_by_role("tab", name=re.compile(name), include_hidden=True)).to_have_count(1)
    expect(tabs.locator("#contacts-count")).to_have_text("2")
    expect(tabs.locator("#tasks-count")).to_have_text("1")
    more = tabs.locator("[data-gx-tabs-more]")
    if width < 500:
        # on a phone the later tabs are under "More"; opening one from there shows its pane
        expect(more).to_be_visible()
        more.get_by_role("button", name=re.compile("More")).click()
        more.get_by_role("tab", name=re.compile("Tasks")).click()
        expect(page.locator("#tab-tasks")).to_be_visible()
        expect(page.locator("#tab-tasks")).to_contain_text("回访")
    # the activity tab (the first) always stays in the row
    expect(tabs.locator(":scope > li").first.get_by_role("tab", name=re.compile("Activity"))).to_be_visible()


def test_a_tab_named_in_the_address_opens_without_leaving_more_open_on_a_phone(org, page):
    # given a customer whose change-log tab (the last) is under "More" on a phone
    rep = org["east_rep"]
    customer = CustomerFactory(owner=rep, name="标签页客户")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "east_rep")
    # when the rep follows a link to that tab (the enrol buttons link to #tab-membership this way)
    page.goto(f"{page.base_url}/customers/{customer.pk}/#tab-changes")
    # then its pane shows, the "More" menu is closed and nothing hangs past the phone's edge
    expect(page.locator("#tab-changes")).to_be_visible()
    expect(page.locator("[data-gx-tabs-more] .dropdown-menu")).not_to_have_class(re.compile(r"\bshow\b"))
    assert page.evaluate(FITS)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
