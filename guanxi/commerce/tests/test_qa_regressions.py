"""Regressions found by walking the product as the demo company's people (QA crawl, 2026-12-02): links a page
shows must open for the reader, the people an order names must be able to open (and ship) it, labels in Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from guanxi.approvals.selectors import approval_open_for
from guanxi.approvals.services import approval_approve
from guanxi.commerce import services
from guanxi.commerce.models import ExecutionOrder, Shipment
from guanxi.org.tests.factories import UserFactory
from guanxi.sales.models import Opportunity
from guanxi.sales.opportunities.services import opportunity_create

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _links_on(web: Client, url: str) -> list[str]:
    import re

    page = web.get(url)
    assert page.status_code == 200, url
    return re.findall(r'href="(/[^"#?]*)', page.content.decode())


def test_every_record_link_on_a_contract_page_opens_for_finance(
    org: Any, execs: Any, customer: Any, make_quote: Any
) -> None:
    # given a contract from a quote of a deal, approved by the department manager
    rep = org["east_rep"]
    opp = opportunity_create(actor=rep, customer=customer, data={"name": "云峰扩容"})
    quote = services.quote_submit(actor=rep, quote=make_quote(rep, customer, "0.9", opportunity=opp))
    approval_approve(actor=org["east_manager"], request=approval_open_for(quote))
    contract = services.contract_create(actor=rep, quote=quote)
    services.contract_submit(actor=rep, contract=contract)
    approval_approve(actor=org["east_manager"], request=approval_open_for(contract))
    # when finance (contracts.view, no quotes or opportunities) opens the contract page
    web = client_for(execs["finance"])
    links = _links_on(web, f"/commerce/contracts/{contract.pk}/")
    # then the quote and the deal are named but not linked, and every record link shown opens
    assert f"/commerce/quotes/{quote.pk}/" not in links and f"/sales/opportunities/{opp.pk}/" not in links
    for href in {h for h in links if h.startswith(("/commerce/", "/approvals/", "/sales/", "/billing/"))}:
        assert web.get(href).status_code in (200, 302), href
    # while the rep still gets the links
    rep_links = _links_on(client_for(rep), f"/commerce/contracts/{contract.pk}/")
    assert f"/commerce/quotes/{quote.pk}/" in rep_links and f"/sales/opportunities/{opp.pk}/" in rep_links


def test_a_manager_who_only_reads_a_quote_gets_no_link_to_an_approval_page_they_may_not_open(
    org: Any, execs: Any, customer: Any, make_quote: Any
) -> None:
    # given a quote in approval and a second manager of the department who neither applied nor approves
    rep = org["east_rep"]
    quote = services.quote_submit(actor=rep, quote=make_quote(rep, customer, "0.9"))
    approval = approval_open_for(quote)
    reader = UserFactory(username="east_manager2", department=org.east, roles=["department_manager"])
    web = client_for(reader)
    # when they open the quote, then its approval panel shows without a "details" link that would 404
    links = _links_on(web, f"/commerce/quotes/{quote.pk}/")
    assert f"/approvals/{approval.pk}/" not in links
    assert web.get(f"/approvals/{approval.pk}/").status_code == 404
    # and the approver still has the link
    assert f"/approvals/{approval.pk}/" in _links_on(client_for(org["east_manager"]), f"/commerce/quotes/{quote.pk}/")


def test_the_business_manager_an_order_names_to_ship_can_open_it_and_record_a_delivery(
    org: Any, execs: Any, customer: Any, make_quote: Any
) -> None:
    # given an execution order issued at headquarters that names the east business manager to ship
    rep = org["east_rep"]
    quote = services.quote_submit(actor=rep, quote=make_quote(rep, customer, "0.9"))
    approval_approve(actor=org["east_manager"], request=approval_open_for(quote))
    contract = services.contract_create(actor=rep, quote=quote)
    services.contract_submit(actor=rep, contract=contract)
    approval_approve(actor=org["east_manager"], request=approval_open_for(contract))
    west_bm = UserFactory(username="west_bm", department=org.west, roles=["business_manager"])
    order = services.execution_order_create(actor=org["admin"], contract=contract, people={"shipping_users": [west_bm]})
    order = services.execution_order_issue(actor=org["admin"], order=order)
    [line] = list(order.lines.all())
    web = client_for(west_bm)
    # when the named business manager (another department) opens the order from the notification
    page = web.get(f"/commerce/orders/{order.pk}/")
    # then it opens with the shipping form, and the delivery they record is saved
    assert page.status_code == 200 and page.context["can_ship"]
    response = web.post(
        f"/commerce/orders/{order.pk}/ship/",
        {"shipped_on": timezone.localdate().isoformat(), f"ship-{line.pk}": "2", "carrier": "顺丰"},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == ExecutionOrder.Status.SHIPPED and Shipment.objects.filter(order=order).count() == 1
    # but another business manager of that department, not named, still cannot see or ship it
    other = UserFactory(username="west_bm2", department=org.west, roles=["business_manager"])
    assert client_for(other).get(f"/commerce/orders/{order.pk}/").status_code == 404


def test_closed_statuses_read_as_closed_not_as_a_deactivated_account_in_chinese() -> None:
    # given the Chinese UI: a deal's forecast category "closed" and a closed execution order
    with translation.override("zh-hans"):
        forecast = str(Opportunity.ForecastCategory.CLOSED.label)
        order = str(ExecutionOrder.Status.CLOSED.label)
    # then neither reads 已停用 (that is a user account's "Closed")
    assert forecast != "已停用" and order != "已停用"
    assert forecast != "Closed" and order != "Closed"


def test_a_quote_started_from_a_deal_is_named_after_it_and_its_contract_too(
    org: Any, execs: Any, customer: Any, make_quote: Any
) -> None:
    # given a deal with a contact role
    rep = org["east_rep"]
    contact = customer.contacts.first()
    opp = opportunity_create(actor=rep, customer=customer, data={"name": "云峰数据平台"})
    opp.contact_roles.create(contact=contact, role="decision_maker")
    web = client_for(rep)
    # when the rep opens "new quote" from the deal
    form = web.get(f"/commerce/quotes/new/?customer={customer.pk}&opportunity={opp.pk}")
    # then the title names the deal and the contact is the deal's
    assert form.context["initial"]["title"] == "Quote: 云峰数据平台"
    assert form.context["initial"]["contact"] == contact.pk
    # and a contract from an approved quote of the deal is named after the deal, not "Quote: …"
    quote = services.quote_submit(actor=rep, quote=make_quote(rep, customer, "0.9", title="x", opportunity=opp))
    approval_approve(actor=org["east_manager"], request=approval_open_for(quote))
    assert services.contract_create(actor=rep, quote=quote).title == "云峰数据平台"
    assert web.get(f"/commerce/contracts/new/?quote={quote.pk}").context["initial"]["title"] == "云峰数据平台"


def test_the_inbox_card_shows_the_amount_once(org: Any, execs: Any, customer: Any, make_quote: Any) -> None:
    # given a quote waiting for the department manager
    rep = org["east_rep"]
    quote = services.quote_submit(actor=rep, quote=make_quote(rep, customer, "0.9"))
    # when the approver opens the inbox, then the total is shown once (not again in the summary line)
    page = client_for(org["east_manager"]).get("/approvals/").content.decode()
    assert page.count(f"{quote.total:,.2f}") == 1


def test_the_order_list_links_a_contract_only_for_readers_who_may_open_it(
    org: Any, execs: Any, customer: Any, make_quote: Any
) -> None:
    # given an order naming a business manager of another department to ship
    rep = org["east_rep"]
    quote = services.quote_submit(actor=rep, quote=make_quote(rep, customer, "0.9"))
    approval_approve(actor=org["east_manager"], request=approval_open_for(quote))
    contract = services.contract_create(actor=rep, quote=quote)
    services.contract_submit(actor=rep, contract=contract)
    approval_approve(actor=org["east_manager"], request=approval_open_for(contract))
    west_bm = UserFactory(username="west_bm", department=org.west, roles=["business_manager"])
    order = services.execution_order_create(actor=org["admin"], contract=contract, people={"shipping_users": [west_bm]})
    # when they list orders, then the order is there but its contract (outside their reach) is not a link
    page = client_for(west_bm).get("/commerce/orders/").content.decode()
    assert order.number in page and contract.number in page
    assert f"/commerce/contracts/{contract.pk}/" not in page
    # while the admin gets the link
    assert f"/commerce/contracts/{contract.pk}/" in client_for(org["admin"]).get("/commerce/orders/").content.decode()
