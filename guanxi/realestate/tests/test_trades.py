"""The transaction chain: selection → small deposit → subscription → contract → receipts, each step converting the
previous one, the unit's status following; cancellation (退房, 换房), deposit expiry with a controlled clock, the
subscription's approval, and the collections reconciling to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest

from guanxi.core.errors import ConflictError, InvalidStateError, PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog, Notification
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.realestate import cancellations, receipts, services, subscriptions, trades
from guanxi.realestate.models import Deposit, PaymentDue, Receipt, Subscription, Trade, Unit

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()  # set again before each test (root conftest): a run may cross midnight
TODAY_FOLLOWS_THE_CLOCK = True


@pytest.fixture
def sale(org: Any, project: Any) -> Any:
    admin = org["admin"]
    ids = list(Unit.objects.filter(building__project=project).values_list("pk", flat=True))
    services.units_release(actor=admin, unit_ids=ids)
    services.prices_set_base(actor=admin, unit_ids=ids, basis="per_m2", base_price="30000")
    project.loan = services.scheme_add(actor=admin, project=project, data={
        "name": "商业贷款", "kind": "commercial", "discount_percent": "99", "down_payment_percent": "30"})  # fmt: skip
    project.full = services.scheme_add(actor=admin, project=project, data={
        "name": "一次性付款", "kind": "full", "discount_percent": "97"})  # fmt: skip
    project.vip = services.discount_add(actor=admin, project=project, data={
        "name": "老业主", "kind": "vip", "method": "amount", "value": "10000"})  # fmt: skip
    project.special = services.discount_add(actor=admin, project=project, data={
        "name": "经理特批", "kind": "special", "method": "percent", "value": "97"})  # fmt: skip
    project.buyer = CustomerFactory(name="王先生", owner=org["east_rep"], kind="individual")
    # 101: 100 m² × 30,000 = 3,000,000
    project.unit = Unit.objects.get(building__project=project, number="101")
    return project


def _subscribe(rep: Any, sale: Any, **more: Any) -> Subscription:
    data = {"scheme": sale.loan.pk, "discounts": [sale.vip.pk], "deposit_amount": "50000",
            "sign_by": (TODAY + dt.timedelta(days=15)).isoformat(), **more}  # fmt: skip
    return subscriptions.subscription_create(actor=rep, data=data)


def test_the_chain_from_selection_to_paid_up_moves_the_unit_and_reconciles_to_the_cent(org, sale):
    rep, finance = org["east_rep"], org["admin"]
    # given a selection (选房) of unit 101 for Mr Wang: the unit stays on sale
    trade = trades.selection_confirm(actor=rep, unit=sale.unit, customer=sale.buyer, scheme=sale.loan.pk)
    assert (trade.stage, trade.selection_number[:2]) == ("selected", "XF")
    assert Unit.objects.get(pk=sale.unit.pk).status == "available"
    # when he pays a small deposit of 20,000
    deposit = trades.deposit_take(actor=rep, trade=trade, amount="20000", expires_on=TODAY + dt.timedelta(days=7))
    assert Unit.objects.get(pk=sale.unit.pk).status == "deposit"
    assert Receipt.objects.get(trade=trade).kind == "small_deposit"
    # and subscribes: 3,000,000 × 0.99 (scheme) − 10,000 (VIP) = 2,960,000, a 50,000 deposit
    sub = _subscribe(rep, sale, trade=trade.pk)
    trade.refresh_from_db()
    assert (sub.status, sub.agreed_price, trade.stage, trade.agreed_price) == ("active", D("2960000.00"), "subscribed",
                                                                               D("2960000.00"))  # fmt: skip
    assert Deposit.objects.get(pk=deposit.pk).status == "converted"
    assert [ln["kind"] for ln in sub.discount_lines] == ["scheme", "vip"]
    dues = list(PaymentDue.objects.filter(trade=trade))
    assert sum(d.amount for d in dues) == D("2960000.00")
    # the small deposit applies to the price: it covers 20,000 of the 50,000 subscription deposit
    assert (dues[0].kind, dues[0].amount, dues[0].received) == ("deposit", D("50000.00"), D("20000.00"))
    # when the contract is signed with its online filing number
    contract = subscriptions.contract_sign(actor=rep, trade=trade, data={"filing_number": "WQ2026-0001"})
    trade.refresh_from_db()
    assert (trade.stage, contract.contract_price, Unit.objects.get(pk=sale.unit.pk).status) == (
        "signed", D("2960000.00"), "signed")  # fmt: skip
    assert sum(d.amount for d in trade.dues.all()) == contract.contract_price
    # and the buyer pays the rest: the down payment first, then the bank's loan
    bal = receipts.trade_balance(trade)
    assert bal.collected == D("20000.00") and bal.outstanding == D("2940000.00")
    with pytest.raises(ValidationFailed) as exc:
        receipts.receipt_record(actor=finance, trade=trade, data={"amount": "2940000.01"})
    assert "amount" in exc.value.fields
    receipts.receipt_record(actor=finance, trade=trade, data={"amount": "1000000", "method": "transfer"})
    receipts.receipt_record(actor=finance, trade=trade, data={"amount": "1940000", "method": "loan"})
    trade.refresh_from_db()
    # then the trade and the unit are paid up and everything adds up to the cent
    assert trade.stage == "paid_up" and Unit.objects.get(pk=sale.unit.pk).status == "paid_up"
    bal = receipts.trade_balance(trade)
    assert bal.collected == bal.covered == bal.scheduled == trade.agreed_price and bal.advance == 0
    assert all(d.received == d.amount for d in trade.dues.all())
    # a refund uncovers a due: the trade is signed again
    receipts.refund_issue(actor=finance, trade=trade, data={"amount": "100", "notes": "多收"})
    trade.refresh_from_db()
    assert trade.stage == "signed" and Unit.objects.get(pk=sale.unit.pk).status == "signed"
    assert receipts.trade_balance(trade).collected == trade.agreed_price - D("100")


def test_one_unit_is_deposited_once_the_second_agent_is_told_it_is_gone(org, sale):
    trades.deposit_take(actor=org["east_rep"], unit=sale.unit, customer=sale.buyer, amount="20000",
                        expires_on=TODAY + dt.timedelta(days=3))  # fmt: skip
    other = CustomerFactory(owner=org["east_rep2"])
    with pytest.raises(ConflictError):
        trades.deposit_take(actor=org["east_rep2"], unit=sale.unit, customer=other, amount="20000",
                            expires_on=TODAY + dt.timedelta(days=3))  # fmt: skip
    with pytest.raises(ConflictError):
        _subscribe(org["east_rep2"], sale, unit=sale.unit.pk, customer=other.pk)
    assert Trade.objects.filter(unit=sale.unit).count() == 1
    assert Receipt.objects.count() == 1


def test_a_buyer_out_of_the_agents_scope_and_bad_input_change_nothing(org, sale):
    stranger = CustomerFactory(owner=org["west_rep"])
    with pytest.raises(ValidationFailed) as exc:
        trades.deposit_take(actor=org["east_rep"], unit=sale.unit, customer=stranger, amount="20000",
                            expires_on=TODAY + dt.timedelta(days=3))  # fmt: skip
    assert "customer" in exc.value.fields
    for field, amount, expires in (("amount", "-1", TODAY), ("expires_on", "100", TODAY - dt.timedelta(days=1))):
        with pytest.raises(ValidationFailed) as exc:
            trades.deposit_take(actor=org["east_rep"], unit=sale.unit, customer=sale.buyer, amount=amount,
                                expires_on=expires)  # fmt: skip
        assert field in exc.value.fields
    with pytest.raises(PermissionDeniedError):
        trades.deposit_take(actor=org["nobody"], unit=sale.unit, customer=sale.buyer, amount="1", expires_on=TODAY)
    assert (Trade.objects.count(), Unit.objects.get(pk=sale.unit.pk).status) == (0, "available")


def test_an_expired_small_deposit_puts_the_unit_back_on_sale_and_tells_the_agent(org, sale):
    rep = org["east_rep"]
    deposit = trades.deposit_take(actor=rep, unit=sale.unit, customer=sale.buyer, amount="20000",
                                  expires_on=TODAY + dt.timedelta(days=2))  # fmt: skip
    # the clock: still valid on its last day
    assert trades.deposits_expire(today=TODAY + dt.timedelta(days=2)) == 0
    assert Unit.objects.get(pk=sale.unit.pk).status == "deposit"
    # the day after, it lapses
    assert trades.deposits_expire(today=TODAY + dt.timedelta(days=3)) == 1
    trade = Trade.objects.get(pk=deposit.trade_id)
    assert (trade.stage, trade.cancel_kind, trade.cancelled_stage) == ("cancelled", "expired", "deposit")
    assert Deposit.objects.get(pk=deposit.pk).status == "expired"
    assert Unit.objects.get(pk=sale.unit.pk).status == "available"
    assert Notification.objects.filter(recipient=rep, title__contains=deposit.number).exists()
    # the money stays on the trade until finance refunds it
    assert receipts.trade_balance(trade).collected == D("20000.00")
    assert trades.deposits_expire(today=TODAY + dt.timedelta(days=9)) == 0


def test_a_special_discount_above_the_threshold_waits_for_approval_and_a_rejection_restores_the_deposit(org, sale):
    from guanxi.approvals.models import ApprovalAssignment, ApprovalRequest
    from guanxi.approvals.services import approval_reject
    from guanxi.org.services import roles_ensure_defaults
    from guanxi.org.tests.factories import UserFactory

    rep = org["east_rep"]
    roles_ensure_defaults()  # the sales office's roles, now that real estate is on
    boss = UserFactory(username="re_boss", department=rep.department, roles=["re_sales_manager"])
    UserFactory(username="sales_boss", department=rep.department, roles=["sales_management"])
    deposit = trades.deposit_take(actor=rep, unit=sale.unit, customer=sale.buyer, amount="20000",
                                  expires_on=TODAY + dt.timedelta(days=7))  # fmt: skip
    sub = _subscribe(rep, sale, trade=deposit.trade_id, discounts=[sale.vip.pk, sale.special.pk])
    assert sub.status == "pending"
    request = ApprovalRequest.objects.get(object_id=sub.pk, kind="re_subscription")
    assert request.facts["special_off_percent"] == "3.00"
    # the default rule sends it to the sales office's sales manager, not to sales management
    assert list(ApprovalAssignment.objects.filter(step__request=request).values_list("user", flat=True)) == [boss.pk]
    # it cannot be signed while in approval
    with pytest.raises(InvalidStateError):
        subscriptions.contract_sign(actor=rep, trade=deposit.trade_id, data={})
    approval_reject(actor=boss, request=request, comment="折扣过大")
    trade = Trade.objects.get(pk=deposit.trade_id)
    assert (Subscription.objects.get(pk=sub.pk).status, trade.stage) == ("rejected", "deposit")
    assert Deposit.objects.get(pk=deposit.pk).status == "active"
    assert Unit.objects.get(pk=sale.unit.pk).status == "deposit"
    assert not trade.dues.exists()


def test_withdrawal_cancels_the_contract_frees_the_unit_and_refunds_in_one_step(org, sale):
    rep, manager = org["east_rep"], org["admin"]
    sub = _subscribe(rep, sale, unit=sale.unit.pk, customer=sale.buyer.pk)
    receipts.receipt_record(actor=manager, trade=sub.trade, data={"amount": "50000"})
    subscriptions.contract_sign(actor=rep, trade=sub.trade, data={"filing_number": "WQ-9"})
    # an agent may not cancel: the manager does, with a reason
    with pytest.raises(PermissionDeniedError):
        cancellations.trade_cancel(actor=rep, trade=sub.trade, reason="客户放弃")
    with pytest.raises(ValidationFailed):
        cancellations.trade_cancel(actor=manager, trade=sub.trade, reason=" ")
    trade = cancellations.trade_cancel(actor=manager, trade=sub.trade, reason="客户资金问题",
                                       refund={"amount": "50000", "method": "transfer"})  # fmt: skip
    assert (trade.stage, trade.cancel_kind, trade.cancelled_stage) == ("cancelled", "withdraw", "signed")
    assert trade.contracts.get().status == "cancelled"
    assert Unit.objects.get(pk=sale.unit.pk).status == "available"
    bal = receipts.trade_balance(trade)
    assert (bal.received, bal.refunded, bal.collected, bal.scheduled) == (D("50000"), D("50000"), 0, 0)
    assert AuditLog.objects.filter(object_id=str(trade.pk), changes__stage=["signed", "cancelled"]).exists()
    with pytest.raises(InvalidStateError):
        receipts.receipt_record(actor=manager, trade=trade, data={"amount": "1"})


def test_changing_unit_moves_the_subscription_and_the_money_with_the_price_difference(org, sale):
    rep, manager = org["east_rep"], org["admin"]
    sub = _subscribe(rep, sale, unit=sale.unit.pk, customer=sale.buyer.pk)
    receipts.receipt_record(actor=manager, trade=sub.trade, data={"amount": "50000"})
    bigger = Unit.objects.get(building__project=sale, number="102")  # 118.50 m²
    new = cancellations.trade_change_unit(actor=manager, trade=sub.trade, unit=bigger.pk, reason="换大户型")
    old = Trade.objects.get(pk=sub.trade_id)
    assert (old.stage, old.cancel_kind, old.replaced_by_id) == ("cancelled", "change_unit", new.pk)
    assert (new.stage, new.unit_id, Unit.objects.get(pk=bigger.pk).status) == ("subscribed", bigger.pk, "subscribed")
    assert Unit.objects.get(pk=sale.unit.pk).status == "available"
    assert new.price_difference == old.price_difference == new.agreed_price - old.agreed_price > 0
    assert receipts.trade_balance(new).collected == D("50000.00")
    assert sum(d.amount for d in new.dues.all()) == new.agreed_price


def test_arrears_remind_the_agent_once_a_week(org, sale):
    rep = org["east_rep"]
    sub = _subscribe(rep, sale, unit=sale.unit.pk, customer=sale.buyer.pk)
    # the deposit was due today: tomorrow it is in arrears
    assert receipts.arrears_remind(today=TODAY) == 0
    assert receipts.arrears_remind(today=TODAY + dt.timedelta(days=1)) >= 1
    assert Notification.objects.filter(recipient=rep).count() >= 1
    assert receipts.arrears_remind(today=TODAY + dt.timedelta(days=2)) == 0
    assert receipts.trade_balance(sub.trade, today=TODAY + dt.timedelta(days=1)).overdue >= D("50000")
