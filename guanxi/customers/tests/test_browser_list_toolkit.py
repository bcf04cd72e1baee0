"""The shared list toolkit in a real browser, on the customer list: quick filter → chip → remove it; an advanced
filter with an OR group; save a view and reopen it; hide and reorder columns (kept after a reload); tick two rows →
bulk transfer and its toast; inline edit with Enter / Esc; star → Starred tab; phone cards and the filter bottom
sheet at 390 px; the export link carries the filters."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from guanxi.core.tests.browser import sign_in
from guanxi.customers.models import Customer
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.models import ListPreference, SavedView

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def rows(page):
    return page.locator("#list-rows > tr")


def test_filters_chips_advanced_or_group_saved_view_and_export_link(org, page):
    CustomerFactory(owner=org["east_rep"], name="甲公司", level="A", status="following")
    CustomerFactory(owner=org["east_rep"], name="乙公司", level="B", status="won")
    CustomerFactory(owner=org["east_rep"], name="丙公司", level="C", status="following")
    sign_in(page, "east_rep")
    page.goto(f"{page.base_url}/customers/?scene=all")
    expect(rows(page)).to_have_count(3)

    # quick filter: level A → one row and a chip; the address bar carries it
    page.locator("#filter-form .dropdown").first.locator("button").click()
    page.locator('#filter-form input[name="level"][value="A"]').check()
    expect(rows(page)).to_have_count(1)
    expect(page).to_have_url(re.compile(r"level=A"))
    chip = page.locator("a[data-chip]").first
    expect(chip).to_contain_text("A")
    # the export link of the view carries the filter
    page.locator('button[aria-label="More actions"]').click()
    href = page.locator('a[data-export="csv"]').get_attribute("href")
    page.locator('a[data-export="csv"]').dispatch_event("click")  # updates the href from the address bar
    href = page.locator('a[data-export="csv"]').get_attribute("href")
    assert "/lists/customers/export/" in href and "level=A" in href and "fmt=csv" in href
    page.keyboard.press("Escape")
    # removing the chip shows all rows again
    page.locator("a[data-chip]").first.click()
    expect(rows(page)).to_have_count(3)

    # advanced filter: one group "any rule": level is A OR status is won
    page.get_by_role("button", name="Advanced filters").click()
    drawer = page.locator("#where-drawer")
    expect(drawer).to_be_visible()
    group = drawer.locator("[data-where-group]").first
    group.locator("[data-where-group-any]").select_option("1")
    first = group.locator("[data-where-rule]").first
    first.locator("[data-where-field]").select_option("level")
    first.locator("[data-where-op]").select_option("eq")
    first.locator("[data-where-value]").select_option("A")
    group.locator("[data-where-add-rule]").click()
    second = group.locator("[data-where-rule]").nth(1)
    second.locator("[data-where-field]").select_option("status")
    second.locator("[data-where-op]").select_option("eq")
    second.locator("[data-where-value]").select_option("won")
    drawer.locator("[data-where-apply]").click()
    expect(rows(page)).to_have_count(2)
    expect(page.locator("a[data-chip]")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"where="))

    # save it as a view, then reopen it from its tab
    page.get_by_role("button", name="Save as view").click()
    page.locator("#view-name").fill("A或成交")
    page.locator("#save-view-modal button[type=submit]").click()
    expect(page.locator("#list-scenes")).to_contain_text("A或成交")
    view = SavedView.objects.get(user=org["east_rep"], name="A或成交")
    assert "where=" in view.query
    page.goto(f"{page.base_url}/customers/?scene=all")
    expect(rows(page)).to_have_count(3)
    page.locator("#list-scenes").get_by_text("A或成交").click()
    expect(rows(page)).to_have_count(2)


def test_columns_bulk_transfer_inline_edit_and_star(org, page):
    a = CustomerFactory(owner=org["east_rep"], name="甲公司", status=Customer.Status.POTENTIAL)
    b = CustomerFactory(owner=org["east_rep"], name="乙公司")
    sign_in(page, "east_manager")
    page.goto(f"{page.base_url}/customers/?scene=all&sort=name")

    # column chooser: hide "Tags", move "Owner" up above "Status"; kept after a reload
    page.locator('button[aria-label="More actions"]').click()
    page.locator(".dropdown-menu.show").get_by_role("button", name="Columns").click()  # the ⋯ menu's entry
    modal = page.locator("#columns-modal")
    modal.locator('li[data-column="tags"] input[type=checkbox]').uncheck()
    modal.locator('li[data-column="owner"] [data-move="up"]').click()
    modal.locator("button[type=submit]:not([name])").click()
    page.wait_for_load_state("networkidle")
    page.reload()
    head = page.locator("thead th[data-col]")
    keys = [head.nth(i).get_attribute("data-col") for i in range(head.count())]
    assert "tags" not in keys and keys.index("owner") < keys.index("status")
    assert ListPreference.objects.get(user=org["east_manager"]).columns[:2] == ["level", "owner"]

    # tick two rows → bulk transfer → toast
    page.locator(f'input[name="ids"][value="{a.pk}"]').check()
    page.locator(f'input[name="ids"][value="{b.pk}"]').check()
    expect(page.locator("#bulk-bar")).to_be_visible()
    page.locator('#bulk-bar [data-bulk-action="transfer"]').click()
    page.locator("#bulk_owner").select_option(str(org["east_rep2"].pk))
    page.locator("#bulk-transfer-modal button[type=submit]").click()
    expect(page.locator("#messages")).to_contain_text("2")
    assert set(Customer.objects.filter(pk__in=[a.pk, b.pk]).values_list("owner", flat=True)) == {org["east_rep2"].pk}

    # inline edit: Esc cancels, Enter saves
    cell = page.locator(f'tr[data-gx-id="{a.pk}"] td[data-col="status"]')
    cell.locator("[data-inline-edit]").click()
    select = cell.locator("select[data-inline-input]")
    expect(select).to_be_focused()
    page.keyboard.press("Escape")
    expect(select).to_be_hidden()
    cell.locator("[data-inline-edit]").click()
    page.locator(f'tr[data-gx-id="{a.pk}"] td[data-col="status"] select[data-inline-input]').select_option("won")
    expect(page.locator(f'tr[data-gx-id="{a.pk}"] td[data-col="status"] [data-inline-edit]')).to_contain_text(
        str(Customer.Status.WON.label)
    )
    a.refresh_from_db()
    assert a.status == Customer.Status.WON
    # a second cell of the same row saves too: the saved cell handed the row its new version
    cell = page.locator(f'tr[data-gx-id="{a.pk}"] td[data-col="next_follow_up"]')
    cell.locator("[data-inline-edit]").click()
    cell.locator("input[data-inline-input]").fill("2031-05-06")
    page.keyboard.press("Enter")
    expect(page.locator(f'tr[data-gx-id="{a.pk}"] td[data-col="next_follow_up"]')).to_contain_text("2031-05-06")
    a.refresh_from_db()
    assert str(a.next_follow_up_on) == "2031-05-06" and a.status == Customer.Status.WON

    # star one → the Starred tab lists it
    page.locator(f'tr[data-gx-id="{b.pk}"] .gx-star').click()
    expect(page.locator(f'tr[data-gx-id="{b.pk}"] .gx-star')).to_have_attribute("aria-pressed", "true")
    page.locator('#list-scenes a[data-scene="starred"]').click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_have_attribute("data-gx-id", str(b.pk))


def test_phone_cards_and_the_filter_bottom_sheet(org, browser, live_server):
    CustomerFactory(owner=org["east_rep"], name="甲公司", level="A")
    CustomerFactory(owner=org["east_rep"], name="乙公司", level="B")
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base_url = live_server.url
    try:
        sign_in(page, "east_rep")
        page.goto(f"{page.base_url}/customers/?scene=all")
        # rows are cards: no table header, the name is the card's title, no sideways scroll
        expect(page.locator("thead")).to_be_hidden()
        expect(rows(page)).to_have_count(2)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # the filters open in a bottom sheet
        page.locator('button[aria-controls="filter-sheet"]').click()
        sheet = page.locator("#filter-sheet")
        expect(sheet).to_be_visible()
        box = sheet.bounding_box()
        assert box["y"] > 200 and box["y"] + box["height"] >= 840
        sheet.locator(".dropdown").first.locator("button").click()
        sheet.locator('input[name="level"][value="A"]').check()
        expect(rows(page)).to_have_count(1)
        # the + button floats for a new customer
        expect(page.locator("a.gx-fab")).to_be_visible()
    finally:
        context.close()
