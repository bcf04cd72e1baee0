"""What every browser test does the same way: sign in through the login page, and pick from a searchable select."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from guanxi.core.tests.factories import PASSWORD


def sign_in(page: Any, username: str) -> None:
    """Sign in as a person does, in a tab without anyone's session. The browser asks for Chinese, so the login page
    is in Chinese; its fields are found by their labels."""
    page.context.clear_cookies()
    page.goto(f"{page.base_url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def choose_option(field: Any, text: str) -> None:
    """Choose in the searchable select (tom-select) inside `field` by keyboard: open it, type, wait until the match
    is the active option (options may load from the server as one types), Enter, and wait until the list has
    closed, so that nothing it drew covers what the test clicks next."""
    dropdown = field.locator(".ts-dropdown")
    field.locator(".ts-control").click()
    field.page.keyboard.type(text)
    expect(dropdown.locator(".option.active")).to_contain_text(text)
    field.page.keyboard.press("Enter")
    expect(dropdown).to_be_hidden()
