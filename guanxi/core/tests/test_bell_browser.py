"""In a real browser: the bell opens a dropdown with the latest notifications; "mark all read" clears the count
without leaving the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from guanxi.core.services import notify
from guanxi.core.tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bell_dropdown_lists_the_latest_and_marks_all_read(page):
    # given a user with twelve notifications, the last three reminders about the same record
    user = UserFactory(username="bell_user", language="en")
    for i in range(9):
        notify(recipient=user, kind="news", title=f"News {i}", url=f"/notifications/?n={i}", email=False)
    for i in range(3):
        notify(recipient=user, kind="remind", title=f"Reminder {i}", url="/notifications/?r=1", email=False)
    page.goto(f"{page.base_url}/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))
    page.evaluate("window.gxNoReload = true")
    expect(page.locator("#bell-count")).to_contain_text("12")
    # when the bell is clicked
    page.locator("#gx-bell-toggle").click()
    items = page.locator("#gx-bell-list a.list-group-item")
    # then the latest ten lines show, the three reminders as one (×3), newest first
    expect(items).to_have_count(10)
    expect(items.first).to_contain_text("Reminder 2")
    expect(items.first).to_contain_text("×3")
    # when "mark all read" is clicked
    page.get_by_role("button", name="Mark all read").click()
    # then the count is gone and the list shows them read, on the same page
    expect(page.locator("#bell-count")).to_have_count(0)
    expect(page.locator("#gx-bell-list .gx-unread")).to_have_count(0)
    assert page.evaluate("window.gxNoReload") is True
    # and each line links to its record through the notification
    href = page.locator("#gx-bell-list a.list-group-item").first.get_attribute("href")
    assert href and re.fullmatch(r"/notifications/\d+/", href)
