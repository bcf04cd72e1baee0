"""The quote form in a real browser: the customer chosen on the form brings its contacts and open deal without a
reload, the unit price follows the price book, and the totals shown as the rep types equal the saved quote's."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from guanxi.commerce.models import PriceBookEntry, Quote
from guanxi.commerce.tests.factories import PriceBookFactory
from guanxi.core.tests.browser import choose_option, sign_in
from guanxi.sales.opportunities.services import opportunity_create


def _money(value: Decimal) -> str:
    return f"¥{value:,.2f}"


@pytest.mark.django_db
def test_customer_fields_fragment_preselects_the_open_deal(org: Any, customer: Any) -> None:
    deal = opportunity_create(actor=org["east_rep"], customer=customer, data={"name": "云峰二期", "amount": "1"})
    web = Client()
    web.force_login(org["east_rep"])
    html = web.get(f"/commerce/quotes/new/customer-fields/?customer={customer.pk}").content.decode()
    assert f'<option value="{deal.pk}" selected>' in html and 'data-default-title="Quote: 云峰二期"' in html
    # a customer out of reach gives empty choices, no names
    out_of_reach = web.get("/commerce/quotes/new/customer-fields/?customer=999999").content.decode()
    assert out_of_reach.count("<option value=") == 2  # the two empty choices only


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_live_totals_equal_the_saved_quote(page: Any, org: Any, customer: Any, products: list[Any]) -> None:
    # given a deal of the customer and a price book that sells the service at 1,888.88 instead of 2,000.00
    deal = opportunity_create(actor=org["east_rep"], customer=customer, data={"name": "云峰二期", "amount": "1"})
    book = PriceBookFactory(name="渠道价", is_active=True)
    PriceBookEntry.objects.create(price_book=book, product=products[2], price=Decimal("1888.88"))
    sign_in(page, "east_rep")
    page.goto(page.base_url + "/commerce/quotes/new/")
    page.evaluate("window.__sameDocument = true")
    # when the rep chooses the customer on the form: the shared searchable select, by keyboard (type, Enter)
    choose_option(page.locator(".ts-wrapper:has(#q-customer-ts-control)"), customer.name[:2])
    # then its open deal is chosen and the title follows, without a reload
    expect(page.locator("#q-opp")).to_have_value(str(deal.pk))
    expect(page.locator("input[name=title]")).to_have_value("Quote: 云峰二期")
    assert page.evaluate("window.__sameDocument === true")
    # when they type a line at list prices, then its total (tax included) shows at once
    rows = page.locator("#line-rows [data-gx-rows] [data-gx-row]")
    choose_option(rows.nth(0), products[0].code)
    rows.nth(0).locator("input[name=line-quantity]").fill("3")
    expect(rows.nth(0).locator("[data-line-total]")).to_have_text("¥33,900.00")  # 3 × 10,000.00 + 13 % tax
    # when they choose the price book, a line discount, a second line and an overall discount
    page.locator("select[name=price_book]").select_option(str(book.pk))
    rows.nth(0).locator("input[name=line-discount]").fill("8.75")
    page.locator("[data-gx-add-row=line-rows]").click()
    choose_option(rows.nth(1), "实施")  # the new line's picker is live too: typing finds the product by name
    expect(rows.nth(1).locator("select[name=line-product]")).to_have_value(str(products[2].pk))
    expect(rows.nth(1).locator("[data-line-unit]")).to_contain_text("1,888.88")
    rows.nth(1).locator("input[name=line-quantity]").fill("2.5")
    rows.nth(1).locator("input[name=line-discount]").fill("9.3")
    page.locator("input[name=overall_discount]").fill("9.9")
    shown = {
        "line0": rows.nth(0).locator("[data-line-total]").inner_text(),
        "line1": rows.nth(1).locator("[data-line-total]").inner_text(),
        "subtotal": page.locator("#quote-totals [data-subtotal]").inner_text(),
        "tax": page.locator("#quote-totals [data-tax]").inner_text(),
        "total": page.locator("#quote-totals [data-total]").inner_text(),
    }
    # and save
    page.locator("#quote-form .card-footer button[type=submit]").click()
    page.wait_for_url(re.compile(r"/commerce/quotes/\d+/$"))
    # then every figure shown while typing is the saved quote's
    quote = Quote.objects.get()
    lines = list(quote.lines.order_by("position"))
    assert quote.opportunity_id == deal.pk and quote.price_book_id == book.pk
    assert shown == {
        "line0": _money(lines[0].amount + lines[0].tax),
        "line1": _money(lines[1].amount + lines[1].tax),
        "subtotal": _money(quote.subtotal),
        "tax": _money(quote.tax_total),
        "total": _money(quote.total),
    }
    assert lines[1].list_price == Decimal("1888.88")
