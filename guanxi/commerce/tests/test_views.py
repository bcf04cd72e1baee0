"""The web pages: lists (with query budgets), record pages, forms, the customer 360 tabs, settings API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from guanxi.approvals.selectors import approval_open_for
from guanxi.approvals.services import approval_approve
from guanxi.commerce import services
from guanxi.commerce.models import Contract, Quote

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_quote_pages_render_and_the_form_creates_a_quote(
    org: Any, execs: Any, customer: Any, products: list[Any], django_assert_max_num_queries: Any
) -> None:
    rep = org["east_rep"]
    web = client_for(rep)
    # the form asks for the customer first, then takes lines
    assert web.get("/commerce/quotes/new/").status_code == 200
    response = web.post(
        f"/commerce/quotes/new/?customer={customer.pk}",
        {"customer": customer.pk, "title": "网页报价", "overall_discount": "10",
         "line-product": [products[0].pk, products[2].pk], "line-quantity": ["2", "3"],
         "line-discount": ["8", "10"], "line-description": ["", ""]},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    quote = Quote.objects.get(title="网页报价")
    assert quote.min_discount_rate == Decimal("0.8000") and quote.lines.count() == 2
    # the record page shows who will approve before submitting
    page = web.get(f"/commerce/quotes/{quote.pk}/").content.decode()
    assert str(org["east_manager"]) in page
    # the list stays within its query budget with many rows (test_lists: one count per scene tab, none per row)
    for _i in range(10):
        services.quote_create(actor=rep, customer=customer, data={}, lines=[{"product": products[1], "quantity": 1}])
    with django_assert_max_num_queries(30):
        assert web.get("/commerce/quotes/").status_code == 200


def test_a_bad_line_redisplays_the_form_with_the_error(org: Any, customer: Any, products: list[Any]) -> None:
    web = client_for(org["east_rep"])
    response = web.post(
        f"/commerce/quotes/new/?customer={customer.pk}",
        {"customer": customer.pk, "title": "x", "line-product": [products[0].pk], "line-quantity": ["2"],
         "line-discount": ["12"], "line-description": [""]},
    )  # fmt: skip
    assert response.status_code == 400
    assert "0.1" in response.content.decode() and not Quote.objects.exists()


def test_contract_pages_and_customer_tabs(
    org: Any, execs: Any, customer: Any, make_quote: Any, django_assert_max_num_queries: Any
) -> None:
    rep = org["east_rep"]
    quote = services.quote_submit(actor=rep, quote=make_quote(rep, customer, "0.6"))
    approval_approve(actor=org["east_manager"], request=approval_open_for(quote))
    web = client_for(rep)
    response = web.post(f"/commerce/contracts/new/?quote={quote.pk}", {"quote": quote.pk, "title": "网页合同",
                                                                        "standard_template": "on"})  # fmt: skip
    assert response.status_code == 302
    contract = Contract.objects.get()
    assert contract.amount == quote.total
    assert web.get(f"/commerce/contracts/{contract.pk}/").status_code == 200
    with django_assert_max_num_queries(30):
        assert web.get("/commerce/contracts/").status_code == 200
    # the customer 360 page has quote and contract tabs with counts
    page = web.get(f"/customers/{customer.pk}/").content.decode()
    assert "tab-quotes" in page and "tab-contracts" in page and contract.number in page


def test_nav_hides_what_the_role_cannot_list(org: Any, execs: Any) -> None:
    rep_page = client_for(org["east_rep"]).get("/commerce/quotes/").content.decode()
    assert "/commerce/quotes/" in rep_page and "/commerce/orders/" not in rep_page
    assert client_for(org["nobody"]).get("/commerce/orders/").status_code == 403


def test_admin_changes_numbering_and_settings(org: Any, api_as: Any, customer: Any, products: list[Any]) -> None:
    admin = api_as(org["admin"])
    changed = admin.call("put", "/commerce/numbering/contract", {"pattern": "C{yy}-{seq:03}"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["next_number"].startswith("C") and changed.json()["next_number"].endswith("-001")
    bad = admin.call("put", "/commerce/numbering/contract", {"pattern": "C{yy}"})
    assert bad.status_code == 400 and "pattern" in bad.json()["error"]["fields"]
    contract = services.contract_create(actor=org["east_rep"], customer=customer, data={"amount": "1"})
    assert contract.number.endswith("-001")
    assert api_as(org["east_rep"]).call("put", "/commerce/numbering/contract", {"pattern": "X{seq}"}).status_code == 403
    patched = admin.call("patch", "/commerce/settings", {"special_price_followup_days": 14})
    assert patched.status_code == 200 and patched.json()["special_price_followup_days"] == 14
    bad = admin.call("patch", "/commerce/settings", {"special_price_required_fields": ["nope"]})
    assert bad.status_code == 400 and "special_price_required_fields" in bad.json()["error"]["fields"]


def test_global_search_finds_quotes_and_contracts_by_number(
    org: Any, customer: Any, make_quote: Any, api_as: Any
) -> None:
    quote = make_quote(org["east_rep"], customer)
    contract = services.contract_create(actor=org["east_rep"], customer=customer, data={"amount": "10"})

    def titles(user: Any, query: str) -> str:
        groups = api_as(user).call("get", f"/search?q={query}").json()["groups"]
        return " ".join(str(group) for group in groups)

    assert quote.number in titles(org["east_rep"], quote.number)
    assert contract.number in titles(org["east_rep"], contract.number)
    # a colleague in another department finds neither
    assert quote.number not in titles(org["west_rep"], quote.number)


@pytest.mark.parametrize("who", ["east_rep", "east_assistant", "executive", "admin"])
def test_customer_page_renders_the_commerce_tabs_for_every_role(org: Any, execs: Any, customer: Any, who: str) -> None:
    response = client_for(org[who]).get(f"/customers/{customer.pk}/")
    assert response.status_code == 200
    assert "tab-quotes" in response.content.decode()


def test_customer_page_shows_no_permission_in_tabs_the_role_cannot_read(org: Any, execs: Any, customer: Any) -> None:
    # finance reads customers and contracts, not quotes: the quotes tab says so instead of an empty pane
    page = client_for(execs["finance"]).get(f"/customers/{customer.pk}/").content.decode()
    quotes_pane = page.split('id="tab-quotes"', 1)[1].split('class="tab-pane"', 1)[0]
    assert "No permission" in quotes_pane
    contracts_pane = page.split('id="tab-contracts"', 1)[1].split('class="tab-pane"', 1)[0]
    assert "No permission" not in contracts_pane


def test_settings_page_changes_the_policy_and_numbering(org: Any) -> None:
    web = client_for(org["admin"])
    assert web.get("/commerce/settings/").status_code == 200
    policy_form = {"form": "policy", "quote_valid_days": "15", "special_price_followup_days": "20",
                   "special_price_required_fields": ["phone"]}  # fmt: skip
    web.post("/commerce/settings/", policy_form)
    from guanxi.commerce.selectors import commerce_policy

    policy = commerce_policy()
    assert (policy.quote_valid_days, policy.special_price_required_fields) == (15, ["phone"])
    web.post("/commerce/settings/", {"form": "numbering", "pattern-contract": "HT{yyyy}{seq:04}"})
    from guanxi.core.numbering import sequence_for

    assert sequence_for("contract").pattern == "HT{yyyy}{seq:04}"
    assert client_for(org["east_rep"]).get("/commerce/settings/").status_code == 403


def test_implementation_page_shows_progress_and_payment_milestones(
    org: Any, execs: Any, customer: Any, monkeypatch: Any
) -> None:
    import datetime as dt

    from guanxi.core.ports import CONTRACT_MONEY
    from guanxi.core.registry import registry

    contract = services.contract_create(actor=org["east_rep"], customer=customer, data={"amount": "1000"})
    services.contract_submit(actor=org["east_rep"], contract=contract)
    approval_approve(actor=org["east_manager"], request=approval_open_for(contract))
    order = services.implementation_order_create(
        actor=execs["east_bm"], contract=contract,
        items=[{"title": "部署", "assignee": execs["engineer"], "due_on": dt.date(2026, 12, 20)}],
    )  # fmt: skip
    plan = [{"due_date": dt.date(2026, 12, 31), "amount": Decimal("600.00"), "paid": Decimal("600.00")},
            {"due_date": dt.date(2027, 1, 31), "amount": Decimal("400.00"), "paid": Decimal("0")}]  # fmt: skip

    class PlanOnly:  # billing's place, answering the plan above
        def balance_due(self, *, user: Any, contract: Any) -> Decimal | None:
            return None

        def payment_plan(self, contract: Any) -> list[dict[str, Any]]:
            return plan

    monkeypatch.setitem(registry.ports, CONTRACT_MONEY, PlanOnly())
    page = client_for(execs["east_bm"]).get(f"/commerce/implementation/{order.pk}/").content.decode()
    assert "2027-01-31" in page and "0%" in page
    monkeypatch.delitem(registry.ports, CONTRACT_MONEY)
    page = client_for(execs["east_bm"]).get(f"/commerce/implementation/{order.pk}/").content.decode()
    assert "2027-01-31" not in page  # without billing the section is hidden
