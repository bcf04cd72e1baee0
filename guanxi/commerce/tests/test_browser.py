"""In a real browser: a rep quotes at 4.8折, sees who will approve, submits; the president's assistant approves on
the quote page; the rep turns the approved quote into a contract."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from guanxi.commerce.models import Contract, Quote
from guanxi.core.tests.browser import choose_option, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_quote_approved_by_the_right_person_becomes_a_contract(page, org, execs, customer, products):
    # given the rep writes a quote for two licences at 4.8折
    sign_in(page, "east_rep")
    page.goto(page.base_url + f"/commerce/quotes/new/?customer={customer.pk}")
    # the product picker: the shared searchable select
    choose_option(page.locator("[data-gx-row]").first, products[0].code)
    expect(page.locator("select[name=line-product]").first).to_have_value(str(products[0].pk))
    page.locator("input[name=line-quantity]").first.fill("2")
    page.locator("input[name=line-discount]").first.fill("4.8")
    page.locator("form.card[method=post] .card-footer button[type=submit]").click()
    page.wait_for_url(re.compile(r"/commerce/quotes/\d+/$"))
    quote = Quote.objects.get()
    # then the page says the president's assistant will approve it, before submitting
    expect(page.locator("#route")).to_contain_text(str(execs["assistant"]))
    page.locator(f"form[action='/commerce/quotes/{quote.pk}/submit/'] button").click()
    expect(page.locator(".page-title .badge")).to_contain_text(re.compile("In approval|审批中"))
    # when the president's assistant opens the quote and approves it
    sign_in(page, "assistant")
    page.goto(page.base_url + f"/commerce/quotes/{quote.pk}/")
    page.locator(".gx-decide textarea[name=comment]").fill("同意，注意回款")
    page.locator(".gx-decide button.btn-success").click()
    # then the quote is approved
    expect(page.locator(".page-title .badge").first).to_contain_text(re.compile("Approved|已批准|已通过"))
    quote.refresh_from_db()
    assert quote.status == Quote.Status.APPROVED
    # and the rep turns it into a contract with the quote's amount
    sign_in(page, "east_rep")
    page.goto(page.base_url + f"/commerce/quotes/{quote.pk}/")
    page.locator(f"a[href='/commerce/contracts/new/?quote={quote.pk}']").first.click()
    # (shown with thousands separators; the page posts the plain number)
    expect(page.locator("input[name=amount]")).to_have_value(f"{quote.total:,.2f}")
    page.locator("form.card[method=post] .card-footer button[type=submit]").click()
    page.wait_for_url(re.compile(r"/commerce/contracts/\d+/$"))
    contract = Contract.objects.get()
    assert contract.quote_id == quote.pk and contract.amount == quote.total
    expect(page.locator(".page-title")).to_contain_text(contract.number)
