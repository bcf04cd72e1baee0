"""Payment plans, invoices, payments, allocation and reversal through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from guanxi.billing import selectors, services
from guanxi.billing.models import Allocation, Instalment, Invoice, Payment
from guanxi.core.errors import InvalidStateError, NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog

pytestmark = pytest.mark.django_db
D = Decimal


def plan(people: Any, contract: Any, *amounts: str, start: dt.date = dt.date(2026, 11, 1)) -> list[Instalment]:
    rows = [{"due_date": start + dt.timedelta(days=30 * i), "amount": a} for i, a in enumerate(amounts)]
    return services.payment_plan_save(actor=people["finance"], contract=contract, instalments=rows)


def test_plan_must_add_up_to_the_contract_amount_and_names_the_difference(people: Any, contract: Any) -> None:
    # when the instalments are ¥10.00 short of the ¥100,000 contract
    with pytest.raises(ValidationFailed) as err:
        plan(people, contract, "50000", "49990")
    # then the plan is refused, the difference is named and nothing is written
    assert "¥10.00" in err.value.fields["instalments"][0]
    assert not Instalment.objects.filter(contract=contract).exists()
    # and an exact plan is saved, numbered by due date
    saved = plan(people, contract, "30000", "60000", "10000")
    assert [(i.sequence, i.amount) for i in saved] == [(1, D("30000")), (2, D("60000")), (3, D("10000"))]


def test_generate_equal_and_percentage_plans(people: Any, contract: Any) -> None:
    contract.amount = D("100000.01")
    contract.save()
    # when split into 3 equal instalments a month apart
    saved = services.payment_plan_generate(
        actor=people["finance"], contract=contract, first_due_date="2026-01-31", count=3
    )
    # then the last takes the remainder, and month ends are kept
    assert [i.amount for i in saved] == [D("33333.34"), D("33333.34"), D("33333.33")]
    assert [i.due_date for i in saved] == [dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31)]
    # and a 30/60/10 split replaces it
    saved = services.payment_plan_generate(
        actor=people["finance"], contract=contract, first_due_date="2026-02-01", percents=["30", "60", "10"]
    )
    assert [i.amount for i in saved] == [D("30000.00"), D("60000.01"), D("10000.00")]
    assert Instalment.objects.filter(contract=contract).count() == 3
    # percentages that do not add up to 100 are refused
    with pytest.raises(ValidationFailed) as err:
        services.payment_plan_generate(
            actor=people["finance"], contract=contract, first_due_date="2026-02-01", percents=["30", "60"]
        )
    assert "percents" in err.value.fields


def test_paid_instalment_cannot_change_but_others_can(people: Any, contract: Any) -> None:
    first, second = plan(people, contract, "40000", "60000")
    services.payment_record(
        actor=people["finance"], contract=contract, data={"amount": "1000", "received_on": "2026-11-20"}
    )
    # when the paid instalment's amount changes
    with pytest.raises(ValidationFailed) as err:
        services.payment_plan_save(
            actor=people["finance"],
            contract=contract,
            instalments=[
                {"id": first.pk, "due_date": first.due_date, "amount": "30000"},
                {"id": second.pk, "due_date": second.due_date, "amount": "70000"},
            ],
        )
    assert "payments" in err.value.fields["instalments"][0]
    # then nothing changed; the unpaid one may be split in two
    services.payment_plan_save(
        actor=people["finance"],
        contract=contract,
        instalments=[
            {"id": first.pk, "due_date": first.due_date, "amount": "40000"},
            {"id": second.pk, "due_date": dt.date(2027, 3, 1), "amount": "50000"},
            {"due_date": dt.date(2027, 2, 1), "amount": "10000"},
        ],
    )
    rows = list(Instalment.objects.filter(contract=contract).order_by("sequence"))
    assert [(r.sequence, r.amount, r.paid) for r in rows] == [
        (1, D("40000"), D("1000")),
        (2, D("10000"), D("0")),
        (3, D("50000"), D("0")),
    ]


def test_payment_allocates_oldest_due_first_and_never_exceeds_the_balance(people: Any, contract: Any) -> None:
    first, second, third = plan(people, contract, "30000", "60000", "10000")
    # when ¥50,000 arrives
    payment = services.payment_record(
        actor=people["finance"],
        contract=contract,
        data={"amount": "50000", "received_on": "2026-11-20", "method": "cheque"},
    )
    # then the first instalment is paid and ¥20,000 goes to the second
    paid = {i.sequence: i.paid for i in Instalment.objects.filter(contract=contract)}
    assert paid == {1: D("30000"), 2: D("20000"), 3: D("0")}
    assert sum(a.amount for a in payment.allocations.all()) == D("50000")
    assert selectors.contract_balance_due(contract) == D("50000")
    # and a payment above the balance due is refused, nothing written
    with pytest.raises(ValidationFailed) as err:
        services.payment_record(actor=people["finance"], contract=contract, data={"amount": "50000.01"})
    assert "¥50,000.00" in err.value.fields["amount"][0]
    assert Payment.objects.filter(contract=contract).count() == 1


def test_manual_allocation_must_add_up_and_fit(people: Any, contract: Any) -> None:
    first, second = plan(people, contract, "40000", "60000")
    with pytest.raises(ValidationFailed):
        services.payment_record(
            actor=people["finance"],
            contract=contract,
            data={"amount": "1000"},
            allocations=[{"instalment_id": second.pk, "amount": "900"}],
        )
    with pytest.raises(ValidationFailed):
        services.payment_record(
            actor=people["finance"],
            contract=contract,
            data={"amount": "41000"},
            allocations=[{"instalment_id": first.pk, "amount": "41000"}],
        )
    services.payment_record(
        actor=people["finance"],
        contract=contract,
        data={"amount": "1000"},
        allocations=[{"instalment_id": second.pk, "amount": "1000"}],
    )
    second.refresh_from_db()
    first.refresh_from_db()
    assert (first.paid, second.paid) == (D("0"), D("1000"))


def test_payment_needs_a_plan_and_a_signed_contract(people: Any, contract: Any) -> None:
    with pytest.raises(InvalidStateError):
        services.payment_record(actor=people["finance"], contract=contract, data={"amount": "10"})
    contract.status = "draft"
    contract.save()
    with pytest.raises(InvalidStateError):
        services.payment_record(actor=people["finance"], contract=contract, data={"amount": "10"})


def test_reversal_is_a_red_entry_that_takes_the_money_back(people: Any, contract: Any) -> None:
    plan(people, contract, "30000", "70000")
    payment = services.payment_record(actor=people["finance"], contract=contract, data={"amount": "40000"})
    # when the payment is reversed
    red = services.payment_reverse(actor=people["finance"], payment=payment, reason="银行退票")
    # then both rows stay, the instalments are unpaid again and the balance is the full amount
    assert red.amount == D("-40000") and red.reversal_of_id == payment.pk
    assert all(i.paid == 0 for i in Instalment.objects.filter(contract=contract))
    assert selectors.contract_balance_due(contract) == D("100000")
    assert sum(a.amount for a in Allocation.objects.filter(payment__contract=contract)) == 0
    assert AuditLog.objects.filter(object_id=str(payment.pk), message__contains="银行退票").exists()
    # and it cannot be reversed twice, nor can the reversal
    with pytest.raises(InvalidStateError):
        services.payment_reverse(actor=people["finance"], payment=payment, reason="again")
    with pytest.raises(InvalidStateError):
        services.payment_reverse(actor=people["finance"], payment=red, reason="again")


def test_invoice_tax_buyer_and_contract_limit(people: Any, contract: Any) -> None:
    # when a ¥56,500 special VAT invoice at 13 % is issued
    inv = services.invoice_issue(
        actor=people["finance"],
        contract=contract,
        data={
            "number": "No.00012345",
            "kind": "special",
            "amount": "56500",
            "tax_rate": "0.13",
            "buyer_tax_id": "91310000123456789X",
        },
    )
    # then tax and net are half-up and the buyer defaults to the customer
    assert (inv.net_amount, inv.tax_amount) == (D("50000.00"), D("6500.00"))
    assert inv.buyer_title == "上海恒信机械有限公司"
    # and invoices above the contract amount are refused with what is left
    with pytest.raises(ValidationFailed) as err:
        services.invoice_issue(
            actor=people["finance"], contract=contract, data={"number": "No.2", "amount": "43500.01"}
        )
    assert "¥43,500.00" in err.value.fields["amount"][0]
    # a duplicate number is refused
    with pytest.raises(ValidationFailed) as err:
        services.invoice_issue(
            actor=people["finance"], contract=contract, data={"number": "No.00012345", "amount": "1"}
        )
    assert "number" in err.value.fields
    # a special invoice needs the buyer's tax id (the customer has none)
    with pytest.raises(ValidationFailed) as err:
        services.invoice_issue(
            actor=people["finance"], contract=contract, data={"number": "No.3", "kind": "special", "amount": "1"}
        )
    assert "buyer_tax_id" in err.value.fields
    # voiding needs a reason, then frees the amount
    with pytest.raises(ValidationFailed):
        services.invoice_void(actor=people["finance"], invoice=inv, reason=" ")
    services.invoice_void(actor=people["finance"], invoice=inv, reason="开错抬头")
    inv.refresh_from_db()
    assert inv.status == Invoice.Status.VOID and inv.void_reason == "开错抬头"
    services.invoice_issue(actor=people["finance"], contract=contract, data={"number": "No.4", "amount": "100000"})


def test_a_rep_sees_own_money_but_cannot_record_it(people: Any, contract: Any) -> None:
    plan(people, contract, "100000")
    rep, other = people["east_rep"], people["west_rep"]
    # the owner sees the contract's money
    assert selectors.contract_money_get(user=rep, pk=contract.pk)["contract"].pk == contract.pk
    # another rep does not (404)
    with pytest.raises(NotFoundError):
        selectors.contract_money_get(user=other, pk=contract.pk)
    # the owner may not record a payment: nothing written, no audit row
    before = AuditLog.objects.count()
    with pytest.raises(PermissionDeniedError):
        services.payment_record(actor=rep, contract=contract, data={"amount": "10"})
    assert not Payment.objects.exists()
    assert AuditLog.objects.count() == before


def test_ports_balance_plan_and_collected_amounts(people: Any, contract: Any) -> None:
    from guanxi.core.ports import COLLECTED_AMOUNTS, CONTRACT_MONEY
    from guanxi.core.registry import registry

    plan(people, contract, "30000", "70000")
    services.payment_record(
        actor=people["finance"], contract=contract, data={"amount": "30000", "received_on": "2026-11-15"}
    )
    money = registry.port(CONTRACT_MONEY)
    assert money.balance_due(user=people["finance"], contract=contract) == D("70000")
    assert [r["paid"] for r in money.payment_plan(contract)] == [D("30000"), D("0")]
    collected = registry.port(COLLECTED_AMOUNTS).collected
    rep = people["east_rep"]
    key = (rep.pk, rep.department_id)
    assert collected(user=people["finance"], start=dt.date(2026, 11, 1), end=dt.date(2026, 12, 1)) == {key: D("30000")}
    assert collected(user=people["finance"], start=dt.date(2026, 11, 16), end=dt.date(2026, 12, 1)) == {}
    # within the user's scope: another department's manager sees nothing, the owner's manager sees it
    assert collected(user=people["west_manager"], start=dt.date(2026, 11, 1), end=dt.date(2026, 12, 1)) == {}
    start = timezone.make_aware(dt.datetime(2026, 11, 1))
    end = timezone.make_aware(dt.datetime(2026, 12, 1))
    assert collected(user=people["east_manager"], start=start, end=end) == {key: D("30000")}


class _Rollback(Exception):
    pass


@pytest.mark.django_db
def test_services_never_lose_a_cent_over_payments_and_reversals(people: Any, contract: Any) -> None:
    """Property, through the services and the database: whatever payments and reversals happen, the allocations
    add up to the payments and no instalment is paid beyond its amount or below zero."""
    from django.db import transaction
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    finance = people["finance"]

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        parts=st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=4),
        steps=st.lists(st.tuples(st.booleans(), st.integers(min_value=1, max_value=100)), min_size=1, max_size=6),
    )
    def run(parts: list[int], steps: list[tuple[bool, int]]) -> None:
        try:
            with transaction.atomic():
                services.payment_plan_generate(
                    actor=finance, contract=contract, first_due_date="2026-11-01", percents=_percents(parts)
                )
                for reverse, share in steps:
                    live = [
                        p
                        for p in Payment.objects.filter(contract=contract, reversal_of__isnull=True)
                        if not hasattr(p, "reversal")
                    ]
                    if reverse and live:
                        services.payment_reverse(actor=finance, payment=live[0], reason="test")
                        continue
                    balance = selectors.contract_balance_due(contract)
                    if balance <= 0:
                        continue
                    amount = max(D("0.01"), (balance * share / 100).quantize(D("0.01")))
                    services.payment_record(actor=finance, contract=contract, data={"amount": str(amount)})
                paid = sum((p.amount for p in Payment.objects.filter(contract=contract)), D("0"))
                booked = sum((a.amount for a in Allocation.objects.filter(payment__contract=contract)), D("0"))
                plan = list(Instalment.objects.filter(contract=contract))
                assert booked == paid == sum((i.paid for i in plan), D("0"))
                assert all(D("0") <= i.paid <= i.amount for i in plan)
                assert selectors.contract_balance_due(contract) == contract.amount - paid
                raise _Rollback
        except _Rollback:
            pass

    run()


def _percents(parts: list[int]) -> list[str]:
    total = sum(parts)
    shares = [D(p * 100) / total for p in parts]
    rounded = [s.quantize(D("0.01")) for s in shares[:-1]]
    return [str(r) for r in rounded] + [str(D(100) - sum(rounded, D("0")))]
