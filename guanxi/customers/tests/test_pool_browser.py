"""In a real browser: a rep ticks a pool customer and claims it; the pool page works at phone width."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.utils import timezone

from guanxi.core.tests.browser import sign_in
from guanxi.customers.models import Customer
from guanxi.customers.tests.factories import CustomerFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def pooled(department, name: str) -> Customer:
    return CustomerFactory(
        owner=None,
        department=department,
        name=name,
        pool_reason="60天未跟进",
        industry="制造业",
        pool_entered_at=timezone.now() - dt.timedelta(days=3),
    )


def shot(page, name: str) -> None:
    """Screenshots for a human look, when GUANXI_SCREENSHOTS names a folder."""
    folder = os.environ.get("GUANXI_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def test_rep_ticks_and_claims_a_pool_customer(page, org):
    # given two pool customers in the rep's department
    wanted = pooled(org.east, "浏览器公海客户甲")
    pooled(org.east, "浏览器公海客户乙")
    sign_in(page, "east_rep")
    page.goto(page.base_url + "/customers/pool/")
    # the bulk bar waits for a selection
    bar = page.locator("#bulk-bar")
    assert bar.is_hidden()
    page.get_by_role("checkbox", name="Select 浏览器公海客户甲").check()
    bar.wait_for(state="visible")
    assert bar.locator("[data-selected-count]").inner_text() == "1"
    shot(page, "pool-list-selected")
    # when the rep claims it (confirming in the dialog, which states the daily limit)
    bar.get_by_role("button", name="Claim", exact=True).click()
    modal = page.locator("#bulk-claim-modal")
    modal.wait_for(state="visible")
    assert "today’s limit" in modal.inner_text()
    modal.locator("button[type=submit]").click()
    page.wait_for_selector("text=Claimed 1, skipped 0")
    # then it is theirs and left the pool list
    assert Customer.objects.get(pk=wanted.pk).owner == org["east_rep"]
    assert "浏览器公海客户甲" not in page.locator("table").inner_text()


def test_pool_page_fits_a_phone(page, org):
    for i in range(3):
        pooled(org.east, f"手机宽度公海客户{i}")
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, "east_manager")
    page.goto(page.base_url + "/customers/pool/")
    shot(page, "pool-list-phone")
    # rows are cards and nothing scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("table.gx-table-cards thead").is_hidden()
