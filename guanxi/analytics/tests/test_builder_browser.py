"""The report builder in a real browser (headless Chromium): a manager picks an object, sees the chart and the
figures, and a figure's link opens the list with as many rows as it counts; at 1366 and 390 px."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from guanxi.core.tests.browser import sign_in

from .helpers import at, customers, joined

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("GUANXI_SCREENSHOTS", "")  # a folder: the test leaves its screenshots there


def test_a_manager_builds_a_report_and_drills_into_a_figure(org, page):
    joined()
    customers(org["east_rep"], 3, when=at(3), level="A")
    customers(org["east_rep2"], 2, when=at(4), level="B")
    customers(org["west_rep"], 4, when=at(4), level="A")
    sign_in(page, "east_manager")
    page.goto(f"{page.base_url}/analytics/builder/?object=opportunities")
    page.locator("#b-object").select_option("customers")  # changing the object reloads its groupings
    expect(page).to_have_url(re.compile(r"object=customers"))
    page.locator("#b-group").select_option("owner")
    page.locator("#builder-form button[type=submit]").click()
    expect(page.locator("#report-rows tbody tr")).to_have_count(2)
    expect(page.locator("#gx-report-chart canvas")).to_have_count(1)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/builder-1366.png", full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=f"{SHOTS}/builder-390.png", full_page=True)
        page.set_viewport_size({"width": 1366, "height": 900})
    link = page.locator("#report-rows tbody tr").first.locator("a")
    count = int(link.inner_text())
    link.click()
    expect(page).to_have_url(re.compile(r"/customers/\?where="))
    expect(page.locator("#list-rows > tr")).to_have_count(count)
