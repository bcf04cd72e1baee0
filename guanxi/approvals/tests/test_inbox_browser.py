"""In a real browser: an approver's inbox tabs count what they list, the approver approves one request from the list
and rejects another with a comment, and on a phone the list fits the screen with its badges whole."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from guanxi.approvals.models import ApprovalRequest
from guanxi.approvals.services import approval_submit
from guanxi.core.tests.browser import sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def submit(org, document, title: str, amount: str) -> ApprovalRequest:
    return approval_submit(
        actor=org["east_rep"],
        document=document,
        kind="test_doc",
        facts={"amount": Decimal(amount)},
        title=title,
        amount=Decimal(amount),
    )


def tab_count(page, scene: str) -> int:
    return int(page.locator(f'#list-scenes a[data-scene="{scene}"] .gx-scene-count').inner_text())


def shown_rows(page) -> int:
    return page.locator("#list-rows > tr").count()


def test_approver_approves_and_rejects_from_the_list_and_the_phone_layout_fits(page, chain, org, decisions):
    # given three requests waiting for a1 (或签 with a2, then 会签 by b1 and b2)
    from guanxi.org.models import PartnerOrganisation

    first = submit(org, PartnerOrganisation.objects.create(name="单据一"), "浏览器测试报价", "99000")
    second = submit(org, PartnerOrganisation.objects.create(name="单据二"), "第二张报价", "12000")
    submit(org, PartnerOrganisation.objects.create(name="单据三"), "第三张报价", "3000")
    sign_in(page, "a1")

    # when a1 opens the inbox, then each tab's count is the number of rows it lists, and the header agrees
    page.goto(page.base_url + "/approvals/")
    row = page.locator(f'#list-rows > tr[data-gx-id="{first.pk}"]')
    expect(row).to_contain_text("浏览器测试报价")
    expect(row).to_contain_text("99,000.00")
    # and the side menu's count of waiting requests sits whole inside the menu (1366 px)
    badge, menu = page.locator("[data-nav-badge]").bounding_box(), page.locator("aside.navbar-vertical").bounding_box()
    assert badge is not None and menu is not None
    assert menu["x"] <= badge["x"] and badge["x"] + badge["width"] <= menu["x"] + menu["width"]
    for scene, expected in (("pending", 3), ("done", 0), ("all", 3)):
        page.goto(page.base_url + f"/approvals/?scene={scene}")
        assert tab_count(page, scene) == shown_rows(page) == expected, scene
        expect(page.locator("#list-total")).to_contain_text(str(expected))

    # when a1 approves the first from the list (one click)
    page.goto(page.base_url + "/approvals/?scene=pending")
    page.locator(f'#list-rows > tr[data-gx-id="{first.pk}"] [data-approve]').click()
    # then a message confirms it, the row leaves the tab, and both tabs' counts follow
    expect(page.locator("#messages .alert")).to_be_visible()
    expect(page.locator(f'#list-rows > tr[data-gx-id="{first.pk}"]')).to_have_count(0)
    assert tab_count(page, "pending") == shown_rows(page) == 2
    assert tab_count(page, "done") == 1
    first.refresh_from_db()
    assert first.current_step == 1 and first.status == "pending"

    # when a1 rejects the second without a comment, the dialog asks for one and nothing is sent
    page.locator(f'#list-rows > tr[data-gx-id="{second.pk}"] [data-decide]').click()
    dialog = page.locator("#decide-modal")
    expect(dialog).to_be_visible()
    dialog.locator('[data-decide-action="reject"]').click()
    expect(dialog.locator("#decide-comment")).to_have_class(r"form-control is-invalid")
    second.refresh_from_db()
    assert second.status == "pending"
    # and with a comment it is rejected
    dialog.locator("#decide-comment").fill("价格太低，不同意")
    dialog.locator('[data-decide-action="reject"]').click()
    expect(page.locator(f'#list-rows > tr[data-gx-id="{second.pk}"]')).to_have_count(0)
    second.refresh_from_db()
    assert second.status == "rejected"
    assert second.actions.filter(comment="价格太低，不同意").exists()

    # when the same inbox opens on a phone (390 px), then nothing scrolls sideways and no badge is cut
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base_url + "/approvals/?scene=all")
    expect(page.locator("#list-rows > tr")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('.badge')].filter(b => b.offsetParent !== null).filter(b => {
            const r = b.getBoundingClientRect();
            if (b.scrollWidth > b.clientWidth + 1) return true;  // its own text cut
            for (let p = b.parentElement; p && p !== document.body; p = p.parentElement) {
                const s = getComputedStyle(p), o = [s.overflowX, s.overflowY];
                if (o.some(v => v === 'auto' || v === 'scroll')) return false;  // a scrolling strip: reachable
                if (!o.some(v => v === 'hidden' || v === 'clip')) continue;
                const q = p.getBoundingClientRect();
                const out = r.left < q.left - 0.5 || r.right > q.right + 0.5;
                if (out || r.top < q.top - 0.5 || r.bottom > q.bottom + 0.5) return true;
            }
            return r.left < 0 || r.right > window.innerWidth + 0.5;
        }).map(b => b.textContent.trim())"""
    )
    assert clipped == []
    # and the remaining request can still be approved from its card
    expect(page.locator("#list-rows [data-approve]")).to_have_count(1)
