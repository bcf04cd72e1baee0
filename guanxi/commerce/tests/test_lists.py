"""Commerce's lists on the shared toolkit: what each scene holds, money shown once per phone card, the owner handed
over from the bulk bar and from the owner cell (a refused or stale row changes nothing), the export audited and
formula-safe, the empty state's next step, and query counts that do not grow with the rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.commerce import lists, services
from guanxi.commerce.models import Contract, Quote
from guanxi.core.models import AuditLog
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.lists.registry import definition

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def contract_for(org: Any, customer: Any, status: str = Contract.Status.DRAFT, **data: Any) -> Contract:
    contract = services.contract_create(actor=org["east_rep"], customer=customer, data={"amount": "100000", **data})
    Contract.objects.filter(pk=contract.pk).update(status=status)
    contract.refresh_from_db()
    return contract


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("key", ["quotes", "contracts", "execution_orders", "implementation_orders", "products"])
def test_a_phone_card_shows_one_amount(key: str) -> None:
    # the columns a phone card shows carry at most one amount (a money column is numeric)
    money = [c.key for c in definition(key).columns if c.numeric and c.phone]
    assert len(money) <= 1, money
    assert definition(key).columns[0].fixed


def test_the_contract_scenes_hold_what_they_say(org: Any, customer: Any) -> None:
    today = timezone.localdate()
    draft = contract_for(org, customer)
    to_sign = contract_for(org, customer, Contract.Status.APPROVED)
    soon = contract_for(org, customer, Contract.Status.SIGNED, ends_on=today + dt.timedelta(days=10))
    later = contract_for(org, customer, Contract.Status.IN_EXECUTION, ends_on=today + dt.timedelta(days=40))
    web = client_for(org["east_rep"])

    def shown(scene: str) -> set[str]:
        page = web.get(f"/commerce/contracts/?scene={scene}").content.decode()
        return {c.number for c in (draft, to_sign, soon, later) if c.number in page}

    assert shown("all") == {draft.number, to_sign.number, soon.number, later.number}
    assert shown("to_sign") == {to_sign.number}
    assert shown("active") == {soon.number, later.number}
    assert shown("expiring") == {soon.number}


def test_the_quote_list_filters_money_and_state_and_formats_amounts(org: Any, customer: Any, make_quote: Any) -> None:
    small = make_quote(org["east_rep"], customer, quantity="1")  # 10,000 + 13 % tax
    big = make_quote(org["east_rep"], customer, quantity="20")
    Quote.objects.filter(pk=big.pk).update(status=Quote.Status.APPROVED)
    web = client_for(org["east_rep"])
    page = web.get("/commerce/quotes/?total_from=100000").content.decode()
    assert big.number in page and small.number not in page
    assert "¥226,000.00" in page  # core.money.format_cny
    page = web.get("/commerce/quotes/?scene=approved").content.decode()
    assert big.number in page and small.number not in page
    # a state the list does not know is left out, and the page says so instead of showing nothing silently
    page = web.get("/commerce/quotes/?status=bogus").content.decode()
    assert "Filter “Status” was ignored" in page and small.number in page


def test_the_bulk_bar_hands_quotes_over_and_a_row_out_of_reach_stays(org: Any, customer: Any, make_quote: Any) -> None:
    mine = make_quote(org["east_rep"], customer)
    west = make_quote(org["west_rep"], CustomerFactory(owner=org["west_rep"]))
    web = client_for(org["east_manager"])
    response = web.post(
        "/lists/quotes/bulk/transfer/", {"ids": [mine.pk, west.pk], "owner": org["east_rep2"].pk}, follow=True
    )
    assert response.status_code == 200
    mine.refresh_from_db()
    west.refresh_from_db()
    assert mine.owner == org["east_rep2"] and west.owner == org["west_rep"] and west.version == 1
    # a rep without the delete permission on a colleague's draft: skipped, still there
    client_for(org["east_rep2"]).post("/lists/quotes/bulk/delete/", {"ids": [west.pk]})
    assert Quote.objects.filter(pk=west.pk).exists()


def test_the_owner_cell_refuses_a_stale_copy(org: Any, customer: Any) -> None:
    contract = contract_for(org, customer)
    web = client_for(org["east_manager"])
    url = f"/lists/contracts/inline/{contract.pk}/owner/"
    stale = web.post(url, {"value": org["east_rep2"].pk, "version": contract.version - 1 or 99})
    assert stale.status_code == 412
    contract.refresh_from_db()
    assert contract.owner == org["east_rep"]
    fresh = web.post(url, {"value": org["east_rep2"].pk, "version": contract.version})
    assert fresh.status_code == 200
    contract.refresh_from_db()
    assert contract.owner == org["east_rep2"]
    assert AuditLog.objects.filter(action=AuditLog.Action.TRANSFER, object_id=str(contract.pk)).count() == 1


def test_the_export_is_audited_and_formula_safe(org: Any) -> None:
    customer = CustomerFactory(name="=HYPERLINK(1)有限公司", owner=org["east_rep"])
    contract = contract_for(org, customer)
    web = client_for(org["admin"])
    response = web.get("/lists/contracts/export/?fmt=csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert contract.number in text and "'=HYPERLINK(1)" in text and "100000" in text
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count() == 1


def test_an_empty_list_offers_the_next_step_or_says_there_is_none(org: Any) -> None:
    rep_page = client_for(org["east_rep"]).get("/commerce/quotes/").content.decode()
    assert "/commerce/quotes/new/" in rep_page
    # an executive reads every contract but writes none: the page says so instead of a dead end
    reader = client_for(org["executive"]).get("/commerce/contracts/").content.decode()
    assert "/commerce/contracts/new/" not in reader
    assert str(lists.ContractList.no_action_text) in reader


@pytest.mark.parametrize("url", ["/commerce/quotes/", "/commerce/contracts/"])
def test_the_quote_and_contract_lists_read_a_fixed_number_of_queries(
    url: str, org: Any, customer: Any, make_quote: Any
) -> None:
    def add(n: int) -> None:
        for _i in range(n):
            make_quote(org["east_rep"], customer)
            contract_for(org, customer, Contract.Status.SIGNED)

    web = client_for(org["east_manager"])
    add(3)
    web.get(url)
    few = queries(web, url)
    add(12)
    many = queries(web, url)
    # the rows cost nothing per row; the scene tabs one count each
    assert many == few <= 30, (few, many)
