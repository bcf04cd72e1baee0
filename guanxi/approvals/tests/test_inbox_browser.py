"""In a real browser: an approver opens the inbox on a phone-sized screen, approves with a comment, and the
applicant finds the request approved."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from guanxi.approvals.models import ApprovalRequest
from guanxi.approvals.services import approval_submit
from guanxi.org.tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def sign_in(page, username: str) -> None:
    page.goto(page.base_url + "/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def test_approver_approves_from_the_inbox(page, chain, document, org, decisions):
    # given a request waiting for a1 (或签 with a2), then b1 and b2 (会签)
    request = approval_submit(
        actor=org["east_rep"],
        document=document,
        kind="test_doc",
        facts={"amount": Decimal("99000")},
        title="浏览器测试报价",
        amount=Decimal("99000"),
    )
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "a1")
    # when a1 opens the inbox
    page.goto(page.base_url + "/approvals/")
    card = page.locator(f"#approval-{request.pk}")
    expect(card).to_contain_text("浏览器测试报价")
    expect(card).to_contain_text("99,000.00")
    # and approves with a comment
    card.locator("textarea[name=comment]").fill("同意，按流程走")
    card.locator("button.btn-success").click()
    # then the inbox no longer lists it, and the next step waits for b1 and b2
    expect(page.locator("#messages .alert-success, #messages .alert")).to_be_visible()
    expect(page.locator(f"#approval-{request.pk}")).to_have_count(0)
    request.refresh_from_db()
    assert request.current_step == 1
    # and the request page shows a1's comment in the chain
    page.goto(page.base_url + f"/approvals/{request.pk}/")
    expect(page.locator(".gx-approval-steps")).to_contain_text("同意，按流程走")
    assert ApprovalRequest.objects.get(pk=request.pk).status == "pending"
