"""The opportunity page shows the deal's quotes and contracts (tabs commerce registers for "sales.opportunity")
and the buttons that start a quote or a contract from the deal."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guanxi.commerce import services
from guanxi.org.models import Role
from guanxi.org.tests.factories import UserFactory
from guanxi.sales.opportunities import services as sales_services

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _deal_with_a_quote_and_a_contract(org: Any, customer: Any, make_quote: Any) -> tuple[Any, Any, Any]:
    rep = org["east_rep"]
    opp = sales_services.opportunity_create(actor=rep, customer=customer, data={"name": "云峰二期", "amount": "90000"})
    quote = make_quote(rep, customer, title="二期报价", opportunity=opp)
    contract = services.contract_create(
        actor=rep, customer=customer, data={"title": "二期合同", "amount": "90000"}, opportunity=opp
    )
    return opp, quote, contract


def test_a_rep_sees_the_quotes_and_contracts_of_their_deal_with_counts_and_new_buttons(
    org: Any, customer: Any, make_quote: Any, django_assert_max_num_queries: Any
) -> None:
    # given a deal of the rep with one quote and one contract, and a quote of another deal of the same customer
    opp, quote, contract = _deal_with_a_quote_and_a_contract(org, customer, make_quote)
    make_quote(org["east_rep"], customer, title="别的报价")
    # when the rep opens the deal
    with django_assert_max_num_queries(60):
        response = client_for(org["east_rep"]).get(f"/sales/opportunities/{opp.pk}/")
    page = response.content.decode()
    # then the quote and contract tabs list them, with counts, and only this deal's quote
    assert response.status_code == 200
    tabs = {t["key"]: t for t in response.context["extra_tabs"]}
    assert tabs["quotes"]["count"] == 1 and tabs["contracts"]["count"] == 1
    assert f"/commerce/quotes/{quote.pk}/" in page and f"/commerce/contracts/{contract.pk}/" in page
    assert "二期报价" in page and "别的报价" not in page
    # and the buttons start a quote for this customer and deal, and a contract from the deal
    assert f"/commerce/quotes/new/?customer={customer.pk}&amp;opportunity={opp.pk}" in page
    assert f"/commerce/contracts/new/?opportunity={opp.pk}" in page


def test_the_new_contract_form_from_a_deal_is_prefilled_and_links_the_contract(org: Any, customer: Any) -> None:
    # given a deal; when the rep follows the "new contract" button and saves
    rep = org["east_rep"]
    opp = sales_services.opportunity_create(actor=rep, customer=customer, data={"name": "云峰三期", "amount": "50000"})
    web = client_for(rep)
    form = web.get(f"/commerce/contracts/new/?opportunity={opp.pk}")
    # then the form is for the deal's customer with the deal's name and amount
    assert form.status_code == 200 and "云峰三期" in form.content.decode() and "50000.00" in form.content.decode()


def test_a_role_without_quotes_view_sees_no_quote_data_on_the_deal(org: Any, customer: Any, make_quote: Any) -> None:
    # given a deal with a quote and a contract, and a reader who may see deals and contracts but not quotes
    opp, quote, contract = _deal_with_a_quote_and_a_contract(org, customer, make_quote)
    role = Role.objects.create(
        code="deal_reader", name="Deal reader", permissions=["opportunities.view", "contracts.view"],
        data_scope="all",
    )  # fmt: skip
    reader = UserFactory(username="deal_reader", department=org.east)
    reader.roles.set([role])
    # when they open the deal
    response = client_for(reader).get(f"/sales/opportunities/{opp.pk}/")
    page = response.content.decode()
    # then the quotes tab holds no quote data (no count, no number, no link) and no create buttons show
    assert response.status_code == 200
    tabs = {t["key"]: t for t in response.context["extra_tabs"]}
    assert tabs["quotes"]["count"] is None
    assert "二期报价" not in page and f"/commerce/quotes/{quote.pk}/" not in page and quote.number not in page
    main = page.split('id="main"', 1)[1]  # (the top bar's quick create offers a new quote on every page)
    assert "/commerce/quotes/new/" not in main and "/commerce/contracts/new/" not in main
    # but the contract they may see is listed
    assert tabs["contracts"]["count"] == 1 and f"/commerce/contracts/{contract.pk}/" in page


def test_a_lost_deal_offers_no_new_quote_or_contract(org: Any, customer: Any) -> None:
    # given a deal the rep lost
    rep = org["east_rep"]
    opp = sales_services.opportunity_create(actor=rep, customer=customer, data={"name": "丢掉的"})
    opp.status = "lost"
    opp.save(update_fields=["status"])
    # when they open it, then there is no button to quote or contract it (the top bar's quick create stays)
    page = client_for(rep).get(f"/sales/opportunities/{opp.pk}/").content.decode()
    assert "/commerce/quotes/new/?" not in page and "/commerce/contracts/new/?" not in page
