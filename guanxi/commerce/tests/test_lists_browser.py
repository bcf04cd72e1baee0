"""In a real browser, the contract list on the shared toolkit: a money range becomes a removable chip and narrows the
rows, the column chooser hides a column and the page remembers it, and at phone width each contract is a card that
prints its amount once."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from guanxi.commerce import services
from guanxi.core.tests.browser import sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_contract_list_money_chip_columns_and_phone_card(page: Any, org: Any, customer: Any) -> None:
    # given two contracts of the rep, a small and a big one
    small = services.contract_create(actor=org["east_rep"], customer=customer, data={"amount": "50000"})
    big = services.contract_create(actor=org["east_rep"], customer=customer, data={"amount": "1280000"})
    sign_in(page, "east_rep")
    page.goto(page.base_url + "/commerce/contracts/")
    rows = page.locator("#list-results tbody tr")
    expect(rows).to_have_count(2)

    # when the rep asks for contracts of at least 100,000
    page.locator("input[name=amount_from]").fill("100000")
    page.locator("input[name=amount_from]").press("Enter")
    # then a chip names the filter and only the big contract is left
    chip = page.locator("[data-chip]", has_text=re.compile("合同金额|Contract amount"))
    expect(chip).to_contain_text("100000")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(big.number)
    expect(page.locator("#list-results")).not_to_contain_text(small.number)
    assert "amount_from=100000" in page.url

    # when they hide the signing date in the column chooser
    expect(page.locator("#list-results td[data-col=signed_on]")).to_have_count(1)
    page.locator("button[aria-label='更多操作'], button[aria-label='More actions']").first.click()
    page.locator(".gx-gear[data-bs-target='#columns-modal']").click()  # the gear over the table header's end
    page.locator("#columns-modal input[name=columns][value=signed_on]").uncheck()
    page.locator("#columns-modal button[type=submit].btn-primary").click()
    # then the column is gone, the filter kept, and it stays gone on the next visit
    expect(page.locator("#list-results td[data-col=signed_on]")).to_have_count(0)
    expect(page.locator("#list-results td[data-col=amount]")).to_have_count(1)
    page.goto(page.base_url + "/commerce/contracts/")
    expect(page.locator("#list-results td[data-col=signed_on]")).to_have_count(0)

    # at phone width each contract is a card with its amount printed once
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base_url + "/commerce/contracts/")
    card = page.locator("#list-results tbody tr", has_text=big.number)
    expect(card).to_be_visible()
    amounts = card.get_by_text("¥1,280,000.00")
    expect(amounts).to_have_count(1)
    expect(amounts).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
