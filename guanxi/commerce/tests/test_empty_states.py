"""Empty sections of the customer 360 page and of a quote offer the reader's next action, or say who does it when
the reader's role cannot."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def page_for(user: Any, url: str) -> str:
    c = Client()
    c.force_login(user)
    return c.get(url).content.decode()


def pane(page: str, key: str) -> str:
    return page.split(f'id="tab-{key}"', 1)[1].split('class="tab-pane"', 1)[0]


def test_a_rep_gets_the_create_action_in_each_empty_tab(org: Any, customer: Any) -> None:
    page = page_for(org["east_rep"], f"/customers/{customer.pk}/")
    assert f'href="/commerce/quotes/new/?customer={customer.pk}"' in pane(page, "quotes")
    assert "No quotes yet." in pane(page, "quotes")
    assert f'href="/sales/opportunities/new/?customer={customer.pk}"' in pane(page, "opportunities")
    assert "Finance records them" in pane(page, "payments")


def test_a_reader_who_cannot_create_is_told_who_does(org: Any, execs: Any, customer: Any) -> None:
    # the sales-management office reads every customer but makes no quotes or opportunities
    page = page_for(execs["smm"], f"/customers/{customer.pk}/")
    assert "Your role does not make quotes" in pane(page, "quotes")
    assert "/commerce/quotes/new/" not in pane(page, "quotes")
    assert "Your role does not create opportunities" in pane(page, "opportunities")


def test_a_draft_quote_says_when_a_contract_can_be_made(org: Any, customer: Any, make_quote: Any) -> None:
    quote = make_quote(org["east_rep"], customer)
    assert "A contract is made once the quote is approved." in page_for(
        org["east_rep"], f"/commerce/quotes/{quote.pk}/"
    )
