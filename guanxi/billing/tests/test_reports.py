"""Receivables, ageing (hand-computed buckets with a fixed today), the monthly statement, exports and the
overdue reminders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from guanxi.billing import selectors, services
from guanxi.billing.models import Instalment, Invoice, Payment, ReminderPolicy
from guanxi.core.models import AuditLog, Notification
from guanxi.customers.tests.factories import CustomerFactory

from .factories import ContractFactory, InstalmentFactory

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = dt.date(2026, 12, 2)


def test_ageing_buckets_on_a_worked_example(people: Any, contract: Any) -> None:
    # given unpaid instalments exactly 30/31/60/61/90/91 days overdue, one due today and one next week
    days = {30: "100", 31: "200", 60: "300", 61: "400", 90: "500", 91: "600", 0: "700", -7: "800"}
    for i, (d, amount) in enumerate(days.items(), start=1):
        InstalmentFactory(contract=contract, sequence=i, due_date=TODAY - dt.timedelta(days=d), amount=D(amount))
    # and one that is paid in part (only the rest counts) and one fully paid
    InstalmentFactory(
        contract=contract, sequence=20, due_date=TODAY - dt.timedelta(days=45), amount=D("1000"), paid=D("250")
    )
    InstalmentFactory(
        contract=contract, sequence=21, due_date=TODAY - dt.timedelta(days=45), amount=D("99"), paid=D("99")
    )
    # when the ageing report runs for finance as of TODAY
    report = selectors.ageing_report(user=people["finance"], group="customer", today=TODAY)
    # then each amount lands in its hand-computed bucket
    (row,) = report["rows"]
    assert row["name"] == "上海恒信机械有限公司"
    assert row["not_due"] == D("1500")  # due today (700) + next week (800)
    assert row["d0_30"] == D("100")  # 30 days
    assert row["d31_60"] == D("200") + D("300") + D("750")  # 31, 60 and the partly paid one (45)
    assert row["d61_90"] == D("400") + D("500")  # 61, 90
    assert row["d90_plus"] == D("600")  # 91
    assert row["total"] == D("4350")
    assert report["totals"]["total"] == D("4350")


def test_ageing_by_owner_and_department_within_scope(people: Any, contract: Any) -> None:
    InstalmentFactory(contract=contract, sequence=1, due_date=TODAY - dt.timedelta(days=10), amount=D("100"))
    west = ContractFactory(customer=CustomerFactory(owner=people["west_rep"]))
    InstalmentFactory(contract=west, sequence=1, due_date=TODAY - dt.timedelta(days=100), amount=D("50"))
    by_dept = selectors.ageing_report(user=people["finance"], group="department", today=TODAY)
    assert {r["name"]: r["total"] for r in by_dept["rows"]} == {"华东销售部": D("100"), "华西销售部": D("50")}
    # the east manager sees only the east department's money
    mine = selectors.ageing_report(user=people["east_manager"], group="owner", today=TODAY)
    assert [(r["key"], r["total"]) for r in mine["rows"]] == [(people["east_rep"].pk, D("100"))]


def test_receivables_by_customer_owner_department(people: Any, contract: Any) -> None:
    services.payment_plan_save(
        actor=people["finance"], contract=contract, instalments=[{"due_date": "2026-11-01", "amount": "100000"}]
    )
    services.payment_record(
        actor=people["finance"], contract=contract, data={"amount": "25000", "received_on": "2026-11-05"}
    )
    other = ContractFactory(customer=contract.customer, owner=people["east_rep2"], amount=D("5000"))
    services.payment_plan_save(
        actor=people["finance"], contract=other, instalments=[{"due_date": "2027-01-01", "amount": "5000"}]
    )
    rows, total = selectors.receivables_by(user=people["finance"], group="customer")
    assert [(r.name, r.totals.balance_due, r.totals.contracts) for r in rows] == [
        ("上海恒信机械有限公司", D("80000"), 2)
    ]
    rows, _total = selectors.receivables_by(user=people["finance"], group="owner")
    assert {r.key: r.totals.balance_due for r in rows} == {
        people["east_rep"].pk: D("75000"),
        people["east_rep2"].pk: D("5000"),
    }
    assert total.collected == D("25000")
    # the rep sees only their own contract
    rows, total = selectors.receivables_by(user=people["east_rep"], group="customer")
    assert total.balance_due == D("75000")


def test_statement_closing_is_opening_plus_invoiced_minus_collected(people: Any, contract: Any) -> None:
    finance = people["finance"]
    services.payment_plan_save(
        actor=finance, contract=contract, instalments=[{"due_date": "2026-10-01", "amount": "100000"}]
    )
    # given, before November: ¥40,000 invoiced and ¥30,000 collected (opening ¥10,000)
    services.invoice_issue(
        actor=finance, contract=contract, data={"number": "A1", "amount": "40000", "issued_on": "2026-10-10"}
    )
    services.payment_record(actor=finance, contract=contract, data={"amount": "30000", "received_on": "2026-10-20"})
    # in November: ¥35,000 invoiced, ¥20,000 collected, a ¥5,000 payment reversed, and a void invoice
    services.invoice_issue(
        actor=finance, contract=contract, data={"number": "A2", "amount": "35000", "issued_on": "2026-11-03"}
    )
    void = services.invoice_issue(
        actor=finance, contract=contract, data={"number": "A3", "amount": "1000", "issued_on": "2026-11-04"}
    )
    services.invoice_void(actor=finance, invoice=void, reason="作废")
    services.payment_record(actor=finance, contract=contract, data={"amount": "20000", "received_on": "2026-11-15"})
    wrong = services.payment_record(
        actor=finance, contract=contract, data={"amount": "5000", "received_on": "2026-11-16"}
    )
    red = services.payment_reverse(actor=finance, payment=wrong, reason="退票")
    Payment.objects.filter(pk=red.pk).update(received_on=dt.date(2026, 11, 17))
    # and in December more money that must not count
    services.payment_record(
        actor=finance, contract=contract, data={"amount": "1000", "received_on": timezone.localdate()}
    )
    # when the November statement is drawn up
    data = selectors.monthly_statement(user=finance, month="2026-11")
    (row,) = data["rows"]
    # then opening 10,000 + invoiced 35,000 − collected 20,000 = closing 25,000
    assert (row["opening"], row["invoiced"], row["collected"], row["closing"]) == (
        D("10000"),
        D("35000"),
        D("20000"),
        D("25000"),
    )
    # and December opens with November's closing
    assert selectors.monthly_statement(user=finance, month="2026-12")["rows"][0]["opening"] == D("25000")


def test_exports_are_audited_and_formula_safe(people: Any, contract: Any) -> None:
    contract.customer.name = "=HYPERLINK(1)"
    contract.customer.save()
    InstalmentFactory(contract=contract, sequence=1, due_date=TODAY, amount=D("100000"))
    content, _ct, name = services.receivables_export(actor=people["finance"], group="customer", params={}, fmt="csv")
    text = content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text and name.endswith(".csv")
    services.ageing_export(actor=people["finance"], group="customer", fmt="xlsx")
    services.statement_export(actor=people["finance"], month="2026-11", fmt="csv")
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, actor=people["finance"]).count() == 3
    # a rep may not export
    from guanxi.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        services.receivables_export(actor=people["east_rep"], group="customer", params={}, fmt="csv")


def _notes(user: Any) -> list[str]:
    return sorted(
        Notification.objects.filter(recipient=user, kind__startswith="receivable_").values_list("kind", flat=True)
    )


def test_overdue_reminders_go_once_per_stage(people: Any, contract: Any) -> None:
    owner, chaser = people["east_rep"], people["chaser"]
    inst = InstalmentFactory(contract=contract, sequence=1, due_date=dt.date(2026, 11, 1), amount=D("100000"))

    def run(day: dt.date) -> dict[str, int]:
        return services.receivables_send_reminders(now=timezone.make_aware(dt.datetime.combine(day, dt.time(9))))

    # the day before: nothing
    assert sum(run(dt.date(2026, 10, 31)).values()) == 0
    # on the due date: the owner, once
    run(dt.date(2026, 11, 1))
    run(dt.date(2026, 11, 1))
    run(dt.date(2026, 11, 3))
    assert _notes(owner) == ["receivable_due"]
    assert _notes(chaser) == []
    # 7 days overdue: owner and sales management, once
    run(dt.date(2026, 11, 8))
    run(dt.date(2026, 11, 9))
    assert _notes(owner) == ["receivable_due", "receivable_overdue_1"]
    assert _notes(chaser) == ["receivable_overdue_1"]
    # 30 days overdue: once more each
    run(dt.date(2026, 12, 1))
    run(dt.date(2026, 12, 2))
    assert _notes(owner) == ["receivable_due", "receivable_overdue_1", "receivable_overdue_2"]
    assert _notes(chaser) == ["receivable_overdue_1", "receivable_overdue_2"]
    # a paid instalment is not chased
    Instalment.objects.filter(pk=inst.pk).update(paid=inst.amount)
    Notification.objects.all().delete()
    assert sum(run(dt.date(2026, 12, 5)).values()) == 0


def test_reminder_thresholds_are_editable(people: Any, contract: Any) -> None:
    from guanxi.billing.policies import reminder_policy_update
    from guanxi.core.errors import PermissionDeniedError, ValidationFailed

    with pytest.raises(PermissionDeniedError):
        reminder_policy_update(actor=people["finance"], data={"first_overdue_days": 3})
    with pytest.raises(ValidationFailed):
        reminder_policy_update(actor=people["admin"], data={"first_overdue_days": 40})
    reminder_policy_update(actor=people["admin"], data={"first_overdue_days": 3, "second_overdue_days": 10})
    assert ReminderPolicy.objects.get().first_overdue_days == 3
    InstalmentFactory(contract=contract, sequence=1, due_date=dt.date(2026, 11, 1), amount=D("100000"))
    services.receivables_send_reminders(now=timezone.make_aware(dt.datetime(2026, 11, 4, 9)))
    assert _notes(people["chaser"]) == ["receivable_overdue_1"]


def test_void_invoices_do_not_count_as_invoiced(people: Any, contract: Any) -> None:
    finance = people["finance"]
    inv = services.invoice_issue(actor=finance, contract=contract, data={"number": "V1", "amount": "500"})
    services.invoice_void(actor=finance, invoice=inv, reason="重开")
    c = selectors.with_money(selectors.money_contracts(finance)).get(pk=contract.pk)
    assert c.invoiced == 0
    assert Invoice.objects.get().status == "void"
