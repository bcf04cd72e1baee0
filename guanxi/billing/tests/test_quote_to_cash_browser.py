"""In a real browser, quote to cash: a rep submits a quote, the right approver (the department manager, for a
quote at list price) approves it on the quote's page, the rep turns it into a contract that the same manager
approves, the rep marks it signed, and finance sets up the payment plan and records the payment: the balance
due is zero."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from guanxi.billing.models import Instalment, Payment
from guanxi.commerce import services as commerce
from guanxi.commerce.models import Contract, Quote
from guanxi.commerce.tests.factories import ProductFactory
from guanxi.core.tests.browser import sign_in
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory
from guanxi.org.tests.factories import UserFactory

ZERO = re.compile(r"^\s*¥0\.00\s*$")
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def approve_on(page: Any, url: str) -> None:
    page.goto(url)
    page.locator("form.gx-decide button.btn-success").click()
    page.wait_for_load_state("networkidle")


def test_quote_approval_contract_plan_payment_balance_zero(page: Any, org: Any) -> None:
    rep, manager = org["east_rep"], org["east_manager"]
    UserFactory(username="cashier", department=org.hq, roles=["finance"])
    customer = CustomerFactory(name="苏州明德精密机械有限公司", owner=rep)
    ContactFactory(customer=customer, name="周敏")
    product = ProductFactory(code="SW-PRO", name="专业版许可", list_price=Decimal("50000.00"), tax_rate=Decimal("0.13"))
    # given a draft quote at list price (2 licences, ¥113,000.00 with tax)
    quote = commerce.quote_create(
        actor=rep,
        customer=customer,
        data={},
        lines=[{"product": product, "quantity": Decimal("2"), "discount": Decimal("1")}],
    )
    base = page.base_url

    # when the rep submits it for approval on its page
    sign_in(page, rep.username)
    page.goto(f"{base}/commerce/quotes/{quote.pk}/")
    page.locator(f"form[action$='/quotes/{quote.pk}/submit/'] button").click()
    page.wait_for_load_state("networkidle")
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.IN_APPROVAL

    # then another department's manager has nothing to decide, and the east department's manager approves it
    sign_in(page, org["west_manager"].username)
    page.goto(f"{base}/commerce/quotes/{quote.pk}/")
    expect(page.locator("form.gx-decide")).to_have_count(0)
    sign_in(page, manager.username)
    approve_on(page, f"{base}/commerce/quotes/{quote.pk}/")
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.APPROVED

    # the rep turns the approved quote into a contract and submits it; the manager approves it too
    sign_in(page, rep.username)
    page.goto(f"{base}/commerce/contracts/new/?quote={quote.pk}")
    page.locator("form button.btn-primary[type=submit]").last.click()
    page.wait_for_url(lambda url: "/commerce/contracts/" in url and "/new/" not in url)
    contract = Contract.objects.get(quote=quote)
    assert contract.amount == quote.total == Decimal("113000.00")
    page.locator(f"form[action$='/contracts/{contract.pk}/submit/'] button").click()
    page.wait_for_load_state("networkidle")
    sign_in(page, manager.username)
    approve_on(page, f"{base}/commerce/contracts/{contract.pk}/")
    assert Contract.objects.get(pk=contract.pk).status == Contract.Status.APPROVED
    sign_in(page, rep.username)
    page.goto(f"{base}/commerce/contracts/{contract.pk}/")
    page.locator("button[data-bs-target='#sign-modal']").click()
    page.locator("#sign-modal button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert Contract.objects.get(pk=contract.pk).status == Contract.Status.SIGNED

    # finance splits it into two instalments and records the whole amount
    sign_in(page, "cashier")
    page.goto(f"{base}/billing/contracts/{contract.pk}/")
    page.locator("#g-count").fill("2")
    page.locator("#plan-generate button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert [i.amount for i in Instalment.objects.filter(contract=contract)] == [Decimal("56500.00")] * 2
    expect(page.locator("#balance-due")).to_contain_text("113,000.00")
    page.locator("#p-amount").fill("113000.00")
    page.locator("#payment-save").click()
    page.wait_for_load_state("networkidle")
    # the balance due is zero, on the money page and in the contract's own tab
    expect(page.locator("#balance-due")).to_have_text(ZERO)
    assert Payment.objects.get(contract=contract).amount == Decimal("113000.00")
    assert all(i.remaining == 0 for i in Instalment.objects.filter(contract=contract))
    page.goto(f"{base}/commerce/contracts/{contract.pk}/")
    page.locator("button[data-bs-target='#tab-money']").click()
    expect(page.locator("#tab-money #balance-due")).to_have_text(ZERO)
