"""The trade's pages: a sale started from the unit's page and carried through its steps by form posts, the PDFs,
and the refusals — another agent's trade is out of scope (404), a denied or bad write changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from guanxi.customers.tests.factories import CustomerFactory
from guanxi.realestate import services
from guanxi.realestate.models import Receipt, Trade, Unit

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()  # set again before each test (root conftest): a run may cross midnight
TODAY_FOLLOWS_THE_CLOCK = True


@pytest.fixture
def ready(org: Any, project: Any) -> Any:
    admin = org["admin"]
    ids = list(Unit.objects.filter(building__project=project).values_list("pk", flat=True))
    services.units_release(actor=admin, unit_ids=ids)
    services.prices_set_base(actor=admin, unit_ids=ids, basis="per_m2", base_price="30000")
    project.full = services.scheme_add(actor=admin, project=project, data={
        "name": "一次性付款", "kind": "full", "discount_percent": "97"})  # fmt: skip
    project.buyer = CustomerFactory(name="李女士", owner=org["east_rep"])
    project.unit = Unit.objects.get(building__project=project, number="101")
    return project


def _do(client: Any, trade: Trade, action: str, data: dict[str, Any]) -> Any:
    return client.post(reverse("realestate:trade_action", args=[trade.pk, action]), data, follow=True)


def test_an_agent_sells_a_unit_through_the_pages_and_prints_its_documents(client, org, ready):
    client.force_login(org["east_rep"])
    page = client.get(reverse("realestate:unit_detail", args=[ready.unit.pk]))
    assert "李女士" in page.content.decode()
    client.post(reverse("realestate:unit_sale_start", args=[ready.unit.pk]),
                {"customer": ready.buyer.pk, "scheme": ready.full.pk})  # fmt: skip
    trade = Trade.objects.get(unit=ready.unit)
    _do(client, trade, "deposit", {"amount": "20000", "expires_on": (TODAY + dt.timedelta(days=5)).isoformat()})
    _do(client, trade, "subscribe", {"scheme": ready.full.pk, "deposit_amount": "100000",
                                     "sign_by": (TODAY + dt.timedelta(days=10)).isoformat()})  # fmt: skip
    _do(client, trade, "sign", {"filing_number": "WQ-1"})
    trade.refresh_from_db()
    assert trade.stage == "signed" and trade.agreed_price == 2910000
    for doc in ("selection", "subscription"):
        pdf = client.get(reverse("realestate:trade_pdf", args=[trade.pk, doc]))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    receipt = Receipt.objects.get(trade=trade)
    pdf = client.get(reverse("realestate:receipt_pdf", args=[receipt.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # an agent does not record payments: finance does, to the cent
    page = _do(client, trade, "receive", {"amount": "100"})
    assert page.status_code == 403 and Receipt.objects.filter(trade=trade).count() == 1
    client.force_login(org["admin"])
    page = _do(client, trade, "receive", {"amount": "2890000.00"})
    trade.refresh_from_db()
    assert trade.stage == "paid_up", page.content.decode()[:500]
    assert "2,910,000.00" in page.content.decode()


def test_another_agents_trade_is_out_of_reach_and_a_bad_input_names_its_field(client, org, ready):
    client.force_login(org["east_rep"])
    client.post(reverse("realestate:unit_sale_start", args=[ready.unit.pk]), {"customer": ready.buyer.pk})
    trade = Trade.objects.get(unit=ready.unit)
    page = _do(client, trade, "deposit", {"amount": "-5", "expires_on": TODAY.isoformat()})
    assert "amount" in page.content.decode()
    assert Trade.objects.get(pk=trade.pk).stage == "selected"
    client.force_login(org["west_rep"])
    assert client.get(reverse("realestate:trade_detail", args=[trade.pk])).status_code == 404
    answer = _do(client, trade, "deposit", {"amount": "20000", "expires_on": TODAY.isoformat()})
    assert answer.status_code == 404
    assert Trade.objects.get(pk=trade.pk).stage == "selected"
    assert Unit.objects.get(pk=ready.unit.pk).status == "available"


def test_the_trade_and_receipt_lists_show_what_the_reader_may_see(client, org, ready):
    client.force_login(org["east_rep"])
    client.post(reverse("realestate:unit_sale_start", args=[ready.unit.pk]), {"customer": ready.buyer.pk})
    trade = Trade.objects.get(unit=ready.unit)
    _do(client, trade, "deposit", {"amount": "20000", "expires_on": (TODAY + dt.timedelta(days=5)).isoformat()})
    page = client.get(reverse("realestate:trade_list") + "?scene=deposits").content.decode()
    assert trade.number in page and "李女士" in page
    receipts = client.get(reverse("realestate:receipt_list")).content.decode()
    assert Receipt.objects.get(trade=trade).number in receipts
    client.force_login(org["west_rep"])
    assert trade.number not in client.get(reverse("realestate:trade_list")).content.decode()
    # the unit's page tells a colleague of the project it is taken, not by whom
    unit_page = client.get(reverse("realestate:unit_detail", args=[ready.unit.pk])).content.decode()
    assert "A colleague" in unit_page and trade.number not in unit_page and "李女士" not in unit_page


def test_a_buyer_not_found_by_the_picker_is_registered_on_the_spot(client, org, ready):
    from guanxi.customers.models import Contact, Customer

    rep = org["east_rep"]
    client.force_login(rep)
    page = client.get(reverse("realestate:unit_detail", args=[ready.unit.pk])).content.decode()
    assert 'name="new_name"' in page and 'name="new_phone"' in page  # the page offers the walk-in's fields
    client.post(reverse("realestate:unit_sale_start", args=[ready.unit.pk]),
                {"customer": "", "new_name": "周先生", "new_phone": "139 0000 2222"})  # fmt: skip
    trade = Trade.objects.get(unit=ready.unit)
    buyer = trade.customer
    assert (buyer.name, buyer.kind, buyer.owner_id) == ("周先生", "individual", rep.pk)
    assert Contact.objects.filter(customer=buyer, name="周先生", is_primary=True).exists()
    # a number Guanxi knows picks that customer, never a duplicate
    other = Unit.objects.get(building__project=ready, number="102")
    client.post(reverse("realestate:unit_sale_start", args=[other.pk]), {"new_name": "周", "new_phone": "13900002222"})
    assert Trade.objects.get(unit=other).customer_id == buyer.pk and Customer.objects.filter(name="周先生").count() == 1


def test_a_buyer_on_the_spot_refused_changes_nothing(client, org, ready):
    from guanxi.customers.models import Customer
    from guanxi.customers.services.customers import customer_create

    customer_create(actor=org["west_rep"], data={"kind": "individual", "name": "西区客户", "phone": "13700003333"})
    client.force_login(org["east_rep"])
    before = (Customer.objects.count(), Trade.objects.count())
    for data in ({"new_name": "重复", "new_phone": "13700003333"}, {"new_name": "", "new_phone": "13700004444"},
                 {"new_name": "无号", "new_phone": "12"}):  # fmt: skip
        page = client.post(reverse("realestate:unit_sale_start", args=[ready.unit.pk]), data, follow=True)
        assert page.status_code in (200, 400)
    assert (Customer.objects.count(), Trade.objects.count()) == before
