"""Writes of 九、认购 and 十、签约: the subscription (认购书) converts a small deposit (or a selection, or starts the
trade on an available unit), fixes the agreed price after the scheme's and the chosen discounts and sets the
payment schedule; a discount the approval rules ask about (the default: a manager's special discount taking more
than 1 % off) sends it through the approval engine (kind "re_subscription"), the unit stays reserved meanwhile and a
rejection puts the trade back where it was. The contract (签约) converts an active subscription: the online filing
number (网签备案号), the contract price and scheme, the schedule again for that price.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import InvalidStateError
from guanxi.core.inputs import clean_date, clean_text, field_error, id_or_none
from guanxi.core.models import AuditLog
from guanxi.core.money import ZERO
from guanxi.core.numbering import number_next
from guanxi.core.services import audit_record
from guanxi.org.models import User

from . import collect_money, pricing, receipts
from .models import Deposit, Discount, PaymentScheme, SaleContract, Subscription, Trade, Unit
from .selectors import scheme_terms
from .trades import (
    SUBSCRIPTION_KIND,
    Stage,
    UnitStatus,
    _customer,
    _money,
    _new_trade,
    _reserve,
    _scheme,
    _stage,
    _trade_of,
    _unit,
    advance_unit,
    release_unit,
    trade_lock,
)

SIGN_DAYS_MAX = 180
LOAN_AFTER_DAYS = 30  # the bank pays the loan part about a month after the signing, not on the day


def _loans_later(lines: list[collect_money.Line]) -> list[collect_money.Line]:
    """The loan parts fall due when the bank is expected to pay, so a freshly signed trade is not in arrears."""
    return [(w, d + dt.timedelta(days=LOAN_AFTER_DAYS) if w.startswith("loan_") else d, a) for w, d, a in lines]


def _discounts(unit: Unit, ids: Any) -> list[Discount]:
    wanted = [id_or_none(i) or 0 for i in (ids or [])]
    if 0 in wanted:
        raise field_error("discounts", _("Choose one of the list."))
    found = list(Discount.objects.filter(project_id=unit.building.project_id, is_active=True, pk__in=wanted))
    if len(found) != len(set(wanted)):
        raise field_error("discounts", _("Choose one of the list."))
    return found


def subscription_terms(*, unit: Unit, scheme: PaymentScheme, discounts: list[Discount], start: dt.date) -> pricing.Plan:
    """The price and schedule a subscription would fix (the purchase plan's arithmetic, pricing.py)."""
    if unit.total_price is None:
        raise InvalidStateError(_("Only an available, priced unit can be selected."))
    return pricing.purchase_plan(
        list_price=unit.total_price,
        built_area=unit.built_area,
        terms=scheme_terms(scheme),
        discounts=[pricing.DiscountStep(d.kind, d.method, d.value, d.name) for d in discounts],
        rounding=unit.building.project.rounding,
        start=start,
    )


def approval_facts(plan: pricing.Plan) -> dict[str, Any]:
    """What the approval rules of "re_subscription" read: the special discount's share off in percent, the overall
    rate (0.9506 = 9.5折) and the amount off the list price."""
    special = sum((line.off for line in plan.discounted.lines if line.step.kind == "special"), ZERO)
    before = next((line.before for line in plan.discounted.lines if line.step.kind == "special"), ZERO)
    share = (special * 100 / before).quantize(Decimal("0.01")) if before else ZERO
    return {"special_off_percent": share, "rate": plan.discounted.rate, "amount_off": plan.discounted.off}


def subscription_create(*, actor: User, data: dict[str, Any]) -> Subscription:
    """Subscribe (认购): `trade` (a selected or deposited one) or `unit` + `customer` (an available unit), `scheme`,
    `discounts` (ids), `deposit_amount` (定金, the small deposit counts towards it), `subscribed_on` (today if
    blank) and `sign_by` (the contract's deadline)."""
    from guanxi.approvals.selectors import approval_rule_matching

    today = timezone.localdate()
    subscribed_on = clean_date(data.get("subscribed_on") or today, "subscribed_on", not_future=True)
    sign_by = clean_date(data.get("sign_by"), "sign_by")
    if sign_by < subscribed_on or sign_by > subscribed_on + dt.timedelta(days=SIGN_DAYS_MAX):
        raise field_error(
            "sign_by", _("Choose a day from the subscription to %(days)s days after.") % {"days": SIGN_DAYS_MAX}
        )
    deposit_amount = _money(data.get("deposit_amount"), "deposit_amount")
    with transaction.atomic():
        if data.get("trade") not in (None, ""):
            trade = _trade_of(actor, data["trade"], "create")
            if trade.stage not in (Stage.SELECTED, Stage.DEPOSIT):
                raise InvalidStateError(_("Only a selected or deposited unit's trade can be subscribed."))
            unit = trade.unit
        else:
            from guanxi.org.policies import require_permission

            require_permission(actor, "re_sales.create")
            unit, trade = _unit(data.get("unit"), actor), None
            buyer = _customer(actor, data.get("customer"))
        scheme = _scheme(unit, data.get("scheme"))
        discounts = _discounts(unit, data.get("discounts"))
        plan = subscription_terms(unit=unit, scheme=scheme, discounts=discounts, start=subscribed_on)
        if deposit_amount > plan.total:
            raise field_error("deposit_amount", _("The deposit cannot exceed the agreed price."))
        if trade is None:
            _reserve(actor=actor, unit=unit, to=UnitStatus.SUBSCRIBED)
            trade = _new_trade(actor=actor, unit=unit, customer=buyer, stage=Stage.SUBSCRIBED)
        elif trade.stage == Stage.SELECTED:
            _reserve(actor=actor, unit=unit, to=UnitStatus.SUBSCRIBED)
        else:
            advance_unit(unit_id=unit.pk, from_=UnitStatus.DEPOSIT, to=UnitStatus.SUBSCRIBED, actor=actor)
            Deposit.objects.filter(trade=trade, status=Deposit.Status.ACTIVE).update(status=Deposit.Status.CONVERTED)
        facts = approval_facts(plan)
        needs_approval = approval_rule_matching(kind=SUBSCRIPTION_KIND, facts=facts) is not None
        subscription = Subscription.objects.create(
            trade=trade,
            number=number_next("re_subscription"),
            scheme=scheme,
            list_price=plan.discounted.list_price,
            discount_lines=[
                {
                    "name": ln.step.name,
                    "kind": ln.step.kind,
                    "method": ln.step.method,
                    "value": str(ln.step.value),
                    "before": str(ln.before),
                    "after": str(ln.after),
                }
                for ln in plan.discounted.lines
            ],
            agreed_price=plan.total,
            deposit_amount=deposit_amount,
            subscribed_on=subscribed_on,
            sign_by=sign_by,
            status=Subscription.Status.PENDING if needs_approval else Subscription.Status.ACTIVE,
            created_by=actor,
        )
        subscription.discounts.set(discounts)
        audit_record(
            actor=actor,
            action=AuditLog.Action.CREATE,
            obj=subscription,
            changes={
                "agreed_price": [None, str(plan.total)],
                "scheme": [None, scheme.name],
                "status": [None, subscription.status],
            },
        )
        trade = _stage(trade, Stage.SUBSCRIBED, actor=actor) if trade.stage != Stage.SUBSCRIBED else trade
        trade.scheme, trade.agreed_price, trade.list_price = scheme, plan.total, plan.discounted.list_price
        trade.save(update_fields=["scheme", "agreed_price", "list_price", "updated_at"])
        lines = _loans_later(
            collect_money.schedule_with_deposit(plan.schedule, deposit=deposit_amount, deposit_due=subscribed_on)
        )
        receipts.dues_replace(trade, lines, actor=actor)
        if needs_approval:
            from guanxi.approvals.services import approval_submit

            approval_submit(
                actor=actor,
                document=subscription,
                kind=SUBSCRIPTION_KIND,
                facts=facts,
                amount=plan.total,
                title=_("Subscription %(number)s: %(unit)s at %(price)s")
                % {"number": subscription.number, "unit": unit, "price": plan.total},
            )
    return subscription


def subscription_on_decided(*, document: Subscription, outcome: str, actor: User | None, comment: str = "") -> None:
    """Called by the approval engine inside its transaction: approved, the subscription is active; rejected or
    withdrawn, it is rejected and the trade goes back to its deposit (or, subscribed straight away, is cancelled
    and the unit returns to sale)."""
    subscription = Subscription.objects.select_for_update().get(pk=document.pk)
    if subscription.status != Subscription.Status.PENDING:
        return
    trade = trade_lock(subscription.trade_id)
    if outcome == "approved":
        Subscription.objects.filter(pk=subscription.pk).update(status=Subscription.Status.ACTIVE)
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=subscription,
            changes={"status": [Subscription.Status.PENDING, Subscription.Status.ACTIVE]},
        )
        return
    if outcome not in ("rejected", "withdrawn", "returned"):
        return
    Subscription.objects.filter(pk=subscription.pk).update(status=Subscription.Status.REJECTED)
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=subscription,
        message=comment,
        changes={"status": [Subscription.Status.PENDING, Subscription.Status.REJECTED]},
    )
    receipts.dues_replace(trade, [], actor=actor)
    deposit = Deposit.objects.filter(trade=trade, status=Deposit.Status.CONVERTED).order_by("-id").first()
    if deposit is not None:
        advance_unit(unit_id=trade.unit_id, from_=UnitStatus.SUBSCRIBED, to=UnitStatus.DEPOSIT, actor=actor)
        Deposit.objects.filter(pk=deposit.pk).update(status=Deposit.Status.ACTIVE)
        _stage(trade, Stage.DEPOSIT, actor=actor)
    else:
        release_unit(trade, actor=actor)
        _stage(
            trade,
            Stage.CANCELLED,
            actor=actor,
            cancelled_at=timezone.now(),
            cancel_kind=Trade.CancelKind.REJECTED,
            cancel_reason=comment[:300] or _("The subscription was not approved."),
            cancelled_stage=Stage.SUBSCRIBED,
        )


def contract_sign(*, actor: User, trade: Trade | int, data: dict[str, Any]) -> SaleContract:
    """Sign the contract (签约) of a subscribed trade: `filing_number` (网签备案号), `contract_price` (the agreed
    price if blank), `scheme` (the subscription's if blank), `signed_on` (today if blank). The schedule is set
    again for the contract's price and scheme, keeping the subscription deposit as its first due."""
    with transaction.atomic():
        trade = _trade_of(actor, trade, "edit")
        subscription = trade.subscriptions.filter(status=Subscription.Status.ACTIVE).order_by("-id").first()
        if trade.stage != Stage.SUBSCRIBED or subscription is None:
            raise InvalidStateError(_("Only a trade with an active (approved) subscription can be signed."))
        scheme = _scheme(trade.unit, data.get("scheme") or subscription.scheme_id)
        price = subscription.agreed_price
        if data.get("contract_price") not in (None, ""):
            price = _money(data["contract_price"], "contract_price")
        signed_on = clean_date(data.get("signed_on") or timezone.localdate(), "signed_on", not_future=True)
        if signed_on < subscription.subscribed_on:
            raise field_error("signed_on", _("The contract cannot be signed before the subscription."))
        filing = clean_text(data.get("filing_number"), "filing_number", max_length=60)
        if subscription.deposit_amount > price:
            raise field_error("contract_price", _("The deposit cannot exceed the agreed price."))
        # The contract's schedule: the scheme's for the contract price (no discount again: the price is agreed).
        terms = scheme_terms(scheme)
        plan = pricing.purchase_plan(
            list_price=price,
            built_area=trade.unit.built_area,
            start=signed_on,
            rounding="cent",
            terms=dataclasses.replace(terms, discount_percent=pricing.HUNDRED),
        )
        contract = SaleContract.objects.create(
            trade=trade,
            number=number_next("re_contract"),
            filing_number=filing,
            scheme=scheme,
            contract_price=price,
            signed_on=signed_on,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.CREATE,
            obj=contract,
            changes={
                "contract_price": [None, str(price)],
                "filing_number": [None, filing],
                "scheme": [None, scheme.name],
            },
        )
        Subscription.objects.filter(pk=subscription.pk).update(status=Subscription.Status.CONVERTED)
        advance_unit(unit_id=trade.unit_id, from_=UnitStatus.SUBSCRIBED, to=UnitStatus.SIGNED, actor=actor)
        trade = _stage(trade, Stage.SIGNED, actor=actor)
        trade.scheme, trade.agreed_price = scheme, price
        trade.save(update_fields=["scheme", "agreed_price", "updated_at"])
        deposit_due = trade.dues.filter(kind="deposit").first()
        lines = _loans_later(
            collect_money.schedule_with_deposit(
                plan.schedule,
                deposit=subscription.deposit_amount,
                deposit_due=deposit_due.due_on if deposit_due else subscription.subscribed_on,
            )
        )
        receipts.dues_replace(trade, lines, actor=actor)
    return contract
