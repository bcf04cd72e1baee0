"""Each role's day page shows its own work from the other apps: finance sees the payments falling due, an approver
what waits for their decision; a rep sees neither card."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.approvals.selectors import approval_open_for
from guanxi.approvals.services import approval_approve
from guanxi.billing import services
from guanxi.customers.tests.factories import CustomerFactory, FollowUpFactory

from .factories import InstalmentFactory

pytestmark = pytest.mark.django_db


def day_page(user: Any) -> str:
    c = Client()
    c.force_login(user)
    response = c.get("/")
    assert response.status_code == 200 or response.status_code == 302
    return c.get(response.url).content.decode() if response.status_code == 302 else response.content.decode()


def test_finance_sees_the_payments_falling_due_and_a_rep_does_not(people: Any, contract: Any) -> None:
    today = timezone.localdate()
    overdue = InstalmentFactory(
        contract=contract, sequence=1, due_date=today - dt.timedelta(days=3), amount=Decimal("30000")
    )
    InstalmentFactory(contract=contract, sequence=2, due_date=today + dt.timedelta(days=40), amount=Decimal("70000"))
    # when finance opens their day
    page = day_page(people["finance"])
    # then the card lists the overdue instalment (not the one due in 40 days) with what is still to collect
    assert 'id="day-receivables"' in page and contract.number in page
    assert overdue.due_date.isoformat() in page and "30,000.00" in page
    assert (today + dt.timedelta(days=40)).isoformat() not in page
    # and a rep, who records no payments, has no such card
    assert 'id="day-receivables"' not in day_page(people["east_rep"])


def test_an_approver_sees_what_waits_for_their_decision_until_it_is_decided(people: Any) -> None:
    # given nothing waiting: no card
    assert 'id="day-approvals"' not in day_page(people["east_manager"])
    # when a rep submits an expense claim, which their manager approves first
    customer = CustomerFactory(owner=people["east_rep"])
    visit = FollowUpFactory(customer=customer, author=people["east_rep"], content="上门演示")
    claim = services.expense_claim_create(
        actor=people["east_rep"],
        data={"title": "北京出差报销", "customer": customer, "follow_up": visit, "purpose": "演示"},
        lines=[{"category": "travel", "spent_on": dt.date(2026, 11, 1), "amount": "880"}],
    )
    services.expense_claim_submit(actor=people["east_rep"], claim=claim)
    # then the manager's day lists it, linking to the request
    page = day_page(people["east_manager"])
    assert 'id="day-approvals"' in page and "北京出差报销" in page
    # and once approved it is gone from their day
    approval_approve(actor=people["east_manager"], request=approval_open_for(claim))
    assert "北京出差报销" not in day_page(people["east_manager"])
