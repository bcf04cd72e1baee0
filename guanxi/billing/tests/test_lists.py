"""Billing's lists on the shared toolkit: receivables open by default with the totals of what is shown, overdue and
settled a tab away, the grouped views still there; money ranges on payments; a rep's draft claims deleted from the
bulk bar (someone else's stay); one amount per phone card; the export audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from guanxi.billing import services
from guanxi.billing.models import ExpenseClaim
from guanxi.core.models import AuditLog
from guanxi.customers.tests.factories import CustomerFactory, FollowUpFactory
from guanxi.org.lists.registry import definition

from .factories import ContractFactory, InstalmentFactory

pytestmark = pytest.mark.django_db
D = Decimal


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def money(people: Any) -> dict[str, Any]:
    """An overdue contract, one with money due later, and a settled one, all of east_rep."""
    customer = CustomerFactory(name="上海恒信机械有限公司", owner=people["east_rep"])
    overdue = ContractFactory(customer=customer, number="HT-OVERDUE", amount=D("100000"))
    InstalmentFactory(contract=overdue, due_date=dt.date(2020, 1, 1), amount=D("100000"))
    later = ContractFactory(customer=customer, number="HT-LATER", amount=D("50000"))
    InstalmentFactory(contract=later, due_date=dt.date(2099, 1, 1), amount=D("50000"))
    settled = ContractFactory(customer=customer, number="HT-SETTLED", amount=D("2000"))
    services.payment_plan_save(
        actor=people["finance"], contract=settled, instalments=[{"due_date": "2026-10-01", "amount": "2000"}]
    )
    services.payment_record(actor=people["finance"], contract=settled, data={"amount": "2000"})
    return {"overdue": overdue, "later": later, "settled": settled}


@pytest.mark.parametrize("key", ["receivables", "invoices", "payments", "expense_claims"])
def test_a_phone_card_shows_one_amount(key: str) -> None:
    money_on_card = [c.key for c in definition(key).columns if c.numeric and c.phone]
    assert len(money_on_card) == 1, money_on_card
    assert definition(key).columns[0].fixed


def test_receivables_show_what_is_due_with_its_totals_and_the_rest_a_tab_away(
    people: Any, money: dict[str, Any]
) -> None:
    web = client_for(people["finance"])
    page = web.get("/billing/").content.decode()
    # open contracts only, the totals of what is shown
    assert "HT-OVERDUE" in page and "HT-LATER" in page and "HT-SETTLED" not in page
    assert "¥150,000.00" in page and "¥100,000.00" in page
    page = web.get("/billing/?scene=overdue").content.decode()
    assert "HT-OVERDUE" in page and "HT-LATER" not in page
    page = web.get("/billing/?scene=all").content.decode()
    assert "HT-SETTLED" in page
    # a money range narrows the rows and the totals alike
    page = web.get("/billing/?balance_due_from=60000").content.decode()
    assert "HT-OVERDUE" in page and "HT-LATER" not in page and "¥150,000.00" not in page
    # the sums per owner are still one click away
    assert "HT-" not in web.get("/billing/?group=owner").content.decode().split("<tbody>")[1].split("</tbody>")[0]


def test_a_rep_sees_only_their_receivables(people: Any, money: dict[str, Any]) -> None:
    ContractFactory(customer=CustomerFactory(owner=people["west_rep"]), number="HT-WEST", amount=D("7000"))
    page = client_for(people["east_rep"]).get("/billing/?scene=all").content.decode()
    assert "HT-OVERDUE" in page and "HT-WEST" not in page


def test_payments_filter_by_amount_and_the_export_is_audited(people: Any, contract: Any) -> None:
    services.payment_plan_save(
        actor=people["finance"], contract=contract, instalments=[{"due_date": "2026-11-01", "amount": "100000"}]
    )
    services.payment_record(actor=people["finance"], contract=contract, data={"amount": "300", "note": "small"})
    services.payment_record(actor=people["finance"], contract=contract, data={"amount": "90000"})
    web = client_for(people["finance"])
    page = web.get("/billing/payments/?amount_from=1000").content.decode()
    assert "¥90,000.00" in page and "¥300.00" not in page
    response = web.get("/lists/payments/export/?fmt=csv&amount_from=1000")
    assert response.status_code == 200 and "90000" in response.content.decode("utf-8-sig")
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count() == 1
    assert client_for(people["east_rep"]).get("/lists/payments/export/?fmt=csv").status_code == 403


def test_the_bulk_bar_deletes_the_reps_own_drafts_only(people: Any) -> None:
    customer = CustomerFactory(owner=people["east_rep"])
    visit = FollowUpFactory(customer=customer, author=people["east_rep"])
    lines = [{"category": "transport", "spent_on": dt.date(2026, 11, 20), "amount": "56"}]
    claim = services.expense_claim_create(
        actor=people["east_rep"], data={"title": "出租车", "customer": customer, "follow_up": visit}, lines=lines
    )
    # the manager sees the claim but it is not theirs: skipped, still there
    client_for(people["east_manager"]).post("/lists/expense_claims/bulk/delete/", {"ids": [claim.pk]})
    assert ExpenseClaim.objects.filter(pk=claim.pk).exists()
    client_for(people["east_rep"]).post("/lists/expense_claims/bulk/delete/", {"ids": [claim.pk]})
    assert not ExpenseClaim.objects.filter(pk=claim.pk).exists()
