"""The caller view (来电弹屏): a phone number however it is written, or a plate/policy/serial number, finds the
customer with their contact, assets, open tickets and follow-ups — only within the reader's scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guanxi.customers.tests.factories import FollowUpFactory
from guanxi.service.caller.selectors import caller_lookup

from .factories import make_asset, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def called(people, customer):
    from guanxi.customers.services import contact_create

    contact_create(actor=people["east_rep"], customer=customer, data={"name": "王强", "mobile": "138 0013 8000"})
    asset = make_asset(people["east_rep"], customer, plate_number="京A·8K3M2", ends_on="2027-01-31")
    make_ticket(people["east_rep"], customer, asset=asset.pk)
    FollowUpFactory(customer=customer, author=people["east_rep"], content="电话回访续保意向")
    return customer


@pytest.mark.parametrize("typed", ["13800138000", "+86 138-0013-8000", "１３８００１３８０００", "京a8k3m2"])
def test_a_number_however_written_finds_the_customer_with_their_service_picture(people, called, typed):
    cards = caller_lookup(user=people["east_rep"], query=typed)
    assert [c.customer for c in cards] == [called]
    card = cards[0]
    assert card.assets and card.open_tickets and card.follow_ups
    if typed.startswith(("1", "+", "１")):
        assert card.contacts[0].name == "王强"


def test_out_of_scope_callers_stay_unknown(people, called):
    assert caller_lookup(user=people["west_rep"], query="13800138000") == []


def test_the_page_and_the_api(people, called, client):
    from guanxi.core.tests.clients import JsonClient

    client.force_login(people["east_rep"])
    page = client.get(reverse("service:caller"), {"phone": "13800138000"})
    body = page.content.decode()
    assert page.status_code == 200 and called.name in body and "电话回访续保意向" in body
    assert f"{reverse('service:ticket_create')}?customer={called.pk}" in body
    assert "京A·8K3M2" in body
    client.force_login(people["west_rep"])
    assert called.name not in client.get(reverse("service:caller"), {"q": "13800138000"}).content.decode()
    api = JsonClient(people["east_rep"])
    found = api.client.get("/api/v1/caller", {"q": "138 0013 8000"}).json()
    assert [c["customer"]["id"] for c in found] == [called.pk] and found[0]["open_tickets"]
    assert api.client.get("/api/v1/caller").status_code == 422  # the shared envelope for a missing query field


def test_the_callers_open_receivables_show_to_those_who_may_see_payments(people, called, client):
    import datetime as dt
    from decimal import Decimal

    from guanxi.billing.tests.factories import ContractFactory, InstalmentFactory

    # given two signed contracts of the caller: one owing 60,000 (20,000 of it overdue), one paid in full
    owing = ContractFactory(customer=called, number="HT-OWING", amount=Decimal("60000.00"))
    InstalmentFactory(contract=owing, due_date=dt.date(2026, 1, 1), amount=Decimal("20000.00"))
    paid = ContractFactory(customer=called, number="HT-PAID", amount=Decimal("0.00"))
    # and an administrator who lets service agents read payments (not a default: payments name their contracts)
    from guanxi.org.models import Role

    agents = Role.objects.get(code="service_agent")
    agents.permissions = [*agents.permissions, "payments.view"]
    agents.save(update_fields=["permissions"])
    # when the agent and the rep look the caller up
    card = caller_lookup(user=people["agent"], query="13800138000")[0]
    # then the balance due is on the card, the paid contract is not
    assert card.receivables["totals"].balance_due == Decimal("60000.00")
    assert card.receivables["totals"].overdue == Decimal("20000.00")
    assert [c.number for c in card.receivables["contracts"]] == ["HT-OWING"] and paid.pk
    client.force_login(people["agent"])
    body = client.get(reverse("service:caller"), {"q": "13800138000"}).content.decode()
    assert "HT-OWING" in body and "60,000.00" in body
    from guanxi.core.tests.clients import JsonClient

    found = JsonClient(people["agent"]).client.get("/api/v1/caller", {"q": "13800138000"}).json()
    assert found[0]["receivables"]["balance_due"] in ("60000.00", 60000.0)
    assert found[0]["receivables"]["contracts"][0]["number"] == "HT-OWING"
    # and someone without payments.view sees none of it
    from guanxi.org.tests.factories import UserFactory

    Role.objects.create(code="hotline", name="Hotline", data_scope="all",
                        permissions=["tickets.view", "assets.view", "customers.view", "contacts.view"])  # fmt: skip
    hotline = UserFactory(username="hotline", department=people.hq, roles=["hotline"])
    assert caller_lookup(user=hotline, query="13800138000")[0].receivables is None
    client.force_login(hotline)
    assert "HT-OWING" not in client.get(reverse("service:caller"), {"q": "13800138000"}).content.decode()
