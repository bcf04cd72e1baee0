"""Keyboard in a real browser: `?` help, Ctrl+K command menu, → to the next customer of the list, inline edit."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from guanxi.core.tests.browser import sign_in
from guanxi.customers.models import Customer
from guanxi.customers.tests.factories import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_help_command_menu_and_next_customer(org, page):
    # given a rep with three customers, listed by name
    for name in ("甲公司", "乙公司", "丙公司"):
        CustomerFactory(owner=org["east_rep"], name=name)
    sign_in(page, "east_rep")
    page.goto(f"{page.base_url}/customers/my-day/")

    # `?` opens the help
    page.locator("body").press("?")
    expect(page.locator("#gx-help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#gx-help")).to_be_hidden()

    # Ctrl+K → "cust" → Enter goes to the customer list
    page.keyboard.press("Control+k")
    expect(page.locator("#gx-command")).to_be_visible()
    expect(page.locator("#gx-command-input")).to_be_focused()
    page.keyboard.type("cust")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/customers/$"))
    page.wait_for_load_state("domcontentloaded")  # the list's scripts remember its rows

    # open the first customer of the list; → goes to the second
    rows = page.locator("#list-rows > tr")
    expect(rows).to_have_count(3)
    first_id = rows.nth(0).get_attribute("data-gx-id")
    second_id = rows.nth(1).get_attribute("data-gx-id")
    rows.nth(0).locator("td.gx-sticky-name > a").click()
    expect(page).to_have_url(re.compile(rf"/customers/{first_id}/$"))
    expect(page.locator("[data-gx-next]")).to_be_visible()
    page.locator("body").press("ArrowRight")
    expect(page).to_have_url(re.compile(rf"/customers/{second_id}/$"))


def test_inline_edit_of_the_status_on_the_list(org, page):
    # given a rep's potential customer
    customer = CustomerFactory(owner=org["east_rep"], name="甲公司", status=Customer.Status.POTENTIAL)
    sign_in(page, "east_rep")
    page.goto(f"{page.base_url}/customers/")
    cell = page.locator(f'tr[data-gx-id="{customer.pk}"] td[data-raw]').first
    # click → a select; Esc cancels
    cell.locator("[data-inline-edit]").click()
    select = cell.locator("select[data-inline-input]")
    expect(select).to_be_focused()
    page.keyboard.press("Escape")
    expect(select).to_be_hidden()
    # choosing a status saves it and the cell shows the new value
    cell.locator("[data-inline-edit]").click()
    page.locator(f'tr[data-gx-id="{customer.pk}"] select[data-inline-input]').select_option(Customer.Status.WON)
    expect(page.locator(f'tr[data-gx-id="{customer.pk}"] [data-inline-edit]').first).to_contain_text(
        str(Customer.Status.WON.label)
    )
    customer.refresh_from_db()
    assert customer.status == Customer.Status.WON
