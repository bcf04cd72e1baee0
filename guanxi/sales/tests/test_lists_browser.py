"""The lead list on the shared list toolkit in a real browser: a quick filter with its removable chip, a bulk action
through its modal, and the phone card at 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from guanxi.core.tests.browser import sign_in
from guanxi.sales.models import Lead
from guanxi.sales.tests.factories import LeadFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_list_quick_filter_chip_bulk_assign_and_phone_card(page, org):
    # given two new leads in the screening queue, from an exhibition and from a phone call
    LeadFactory(company_name="展会来的公司", person_name="周敏", mobile="13811112222", source=Lead.Source.EXHIBITION)
    phoned = LeadFactory(
        company_name="电话来的公司", person_name="吴强", mobile="13933334444", source=Lead.Source.PHONE
    )
    sign_in(page, "east_assistant")
    page.goto(page.base_url + "/sales/leads/")
    rows = page.locator("#list-rows > tr")
    expect(rows).to_have_count(2)

    # the quick filter "Source" → Phone narrows the list at once and shows a removable chip
    page.locator("#filter-form").get_by_role("button", name="Source").click()
    page.locator("#filter-form label.form-check").filter(has=page.locator("input[value=phone]")).click()
    expect(page.locator("a[data-chip]")).to_contain_text("Phone")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("电话来的公司")
    assert "source=phone" in page.url

    # ticking the row shows the bulk bar; Assign opens its modal, the lead goes to the rep with a toast
    rows.first.locator("input[name=ids]").check()
    expect(page.locator("#bulk-bar")).to_be_visible()
    page.locator("#bulk-bar [data-bulk-action=assign]").click()
    modal = page.locator("#bulk-assign-modal")
    expect(modal).to_be_visible()
    modal.locator("select[name=assignee]").select_option(str(org["east_rep"].pk))
    modal.locator("button[type=submit]").click()
    expect(page.get_by_text("Assigned 1 lead(s)")).to_be_visible()
    phoned.refresh_from_db()
    assert phoned.owner == org["east_rep"] and phoned.status == Lead.Status.ASSIGNED

    # removing the chip brings the other lead back (the assigned one has left the screening queue)
    page.locator("a[data-chip]").first.click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("展会来的公司")

    # on a phone the row is a card: the lead's name as its title, no sideways scrolling, filters in a sheet
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base_url + "/sales/leads/?scene=all")
    expect(page.locator("table.gx-table-cards thead")).to_be_hidden()
    card = page.locator("#list-rows > tr").filter(has_text="电话来的公司")
    expect(card.get_by_role("link", name="电话来的公司")).to_be_visible()
    expect(card).to_contain_text("吴强 · 13933334444")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Filters").click()
    expect(page.locator("#filter-sheet")).to_be_visible()
