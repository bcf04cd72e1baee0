"""Quick create (+) in the top bar: each create form the user may use, from any page; a contact, follow-up or task
first asks for the customer (a searchable picker), then opens that form. Keyboard: `c` opens the menu."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from guanxi.core.tests.browser import sign_in
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.tests.factories import UserFactory


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_menu_offers_only_what_the_user_may_create(org):
    # a rep gets every entry the default rep role may create
    page = client_for(org["east_rep"]).get("/customers/my-day/").content.decode()
    offered = re.findall(r'data-gx-create="(\w+)"', page)
    assert {"customer", "contact", "follow_up", "task", "opportunity"} <= set(offered)
    assert 'href="/customers/new/"' in page and 'href="/customers/quick-pick/?for=contact"' in page
    # someone without any role gets no "+" at all
    nobody = client_for(UserFactory(username="norole", department=org.east, roles=[]))
    assert 'id="gx-quick-create"' not in nobody.get("/customers/my-day/").content.decode()


@pytest.mark.django_db
def test_customer_picker_searches_and_goes_on(org):
    mine = CustomerFactory(owner=org["east_rep"], name="快捷新建测试有限公司")
    CustomerFactory(owner=org["west_rep"], name="快捷新建别人的公司")
    web = client_for(org["east_rep"])
    # the picker lists the rep's customers, each going on to the chosen form
    page = web.get("/customers/quick-pick/?for=contact&q=快捷新建").content.decode()
    assert "快捷新建测试有限公司" in page and "别人的" not in page  # only customers in reach
    assert f'href="/customers/{mine.pk}/contacts/new/"' in page
    assert f'href="/customers/{mine.pk}/#composer"' in web.get("/customers/quick-pick/?for=follow_up").content.decode()
    task = web.get(f"/customers/tasks/new/?customer={mine.pk}").content.decode()
    assert f'<option value="{mine.pk}" selected>' in task
    # an unknown kind is 404; a kind the user may not create is 403
    assert web.get("/customers/quick-pick/?for=nope").status_code == 404
    nobody = client_for(UserFactory(username="norole2", department=org.east, roles=[]))
    assert nobody.get("/customers/quick-pick/?for=contact").status_code == 403


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_keyboard_c_opens_quick_create_and_the_picker_leads_to_the_contact_form(org, page):
    customer = CustomerFactory(owner=org["east_rep"], name="键盘新建有限公司")
    sign_in(page, "east_rep")
    page.goto(f"{page.base_url}/customers/my-day/")
    # `c` opens the "+" menu with its first entry focused
    page.locator("body").press("c")
    menu = page.locator("#gx-quick-create .dropdown-menu")
    expect(menu).to_be_visible()
    expect(page.locator('#gx-quick-create [data-gx-create="customer"]')).to_be_focused()
    # choose "contact": the customer picker; typing filters it in place
    page.locator('#gx-quick-create [data-gx-create="contact"]').click()
    expect(page).to_have_url(re.compile(r"/customers/quick-pick/\?for=contact"))
    page.locator("#quick-pick-q").fill("键盘")
    result = page.locator("#quick-pick-results a", has_text="键盘新建有限公司")
    expect(result).to_be_visible()
    result.click()
    # and the contact form of that customer opens
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/contacts/new/$"))
