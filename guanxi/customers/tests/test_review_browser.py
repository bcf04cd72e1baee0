"""In a real browser: the department manager returns a new customer for changes from its page, the rep sees why
and resubmits it, and the manager approves it from the approval card."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from guanxi.approvals.defaults import ensure_defaults
from guanxi.approvals.selectors import approval_open_for
from guanxi.core.tests.browser import sign_in
from guanxi.customers import services
from guanxi.customers.models import Customer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_return_resubmit_and_approve_on_the_customer_page(page, org):
    # given a reviewing department (transactional tests flush the seeded rule: put it back) and a new customer
    ensure_defaults()
    org.east.requires_customer_review = True
    org.east.save(update_fields=["requires_customer_review"])
    customer = services.customer_create(actor=org["east_rep"], data={"name": "浏览器待审有限公司"})
    url = page.base_url + f"/customers/{customer.pk}/"
    # (the sign-in page follows the browser's Chinese; after signing in, the pages are in the users' English)
    # when the manager returns it with a comment from the approval card
    sign_in(page, "east_manager")
    page.goto(url)
    card = page.locator("#approval")
    card.get_by_label("Comment").fill("请补充联系电话")
    card.get_by_role("button", name="Return for changes").click()
    expect(page.get_by_text("Returned to the applicant for changes.")).to_be_visible()
    # then the rep sees why and resubmits
    sign_in(page, "east_rep")
    page.goto(url)
    expect(page.get_by_text("请补充联系电话").first).to_be_visible()
    page.get_by_role("button", name="Resubmit for review").click()
    expect(page.get_by_text("Sent for review again.")).to_be_visible()
    # and the manager approves it
    sign_in(page, "east_manager")
    page.goto(url)
    page.locator("#approval").get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved.")).to_be_visible()
    # and the page no longer shows a review card: the customer is active
    expect(page.locator("#approval")).to_have_count(0)
    customer.refresh_from_db()
    assert customer.review_status == Customer.Review.ACTIVE and approval_open_for(customer) is None
