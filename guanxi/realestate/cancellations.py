"""Undoing a step of the transaction chain: only by a cancellation with a reason, audited. 退房 (withdrawal) ends
the trade at whatever stage it reached — the small deposit, subscription or contract is cancelled with it, the unit
returns to sale, the schedule is cleared and, when asked, the money collected is refunded in the same transaction.
换房 (change of unit) moves a deposited or subscribed trade to another available unit: the old trade is cancelled
(its unit back on sale), a new one takes its place at the same stage with the same scheme and discounts, the
receipts follow the buyer, and the price difference (new − old) is recorded on both."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import InvalidStateError
from guanxi.core.inputs import clean_text, field_error
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record
from guanxi.org.models import User
from guanxi.org.policies import require_permission

from . import receipts
from .models import Deposit, Receipt, SaleContract, Subscription, Trade
from .trades import Stage, UnitStatus, _new_trade, _reserve, _stage, _trade_of, _unit, release_unit


def _close_documents(trade: Trade) -> None:
    Deposit.objects.filter(trade=trade, status=Deposit.Status.ACTIVE).update(status=Deposit.Status.CANCELLED)
    Subscription.objects.filter(
        trade=trade, status__in=[Subscription.Status.ACTIVE, Subscription.Status.PENDING]
    ).update(status=Subscription.Status.CANCELLED)
    SaleContract.objects.filter(trade=trade, status=SaleContract.Status.ACTIVE).update(
        status=SaleContract.Status.CANCELLED
    )


def trade_cancel(*, actor: User, trade: Trade | int, reason: str, refund: dict[str, Any] | None = None) -> Trade:
    """退房: cancel the trade with a reason (re_sales.cancel); `refund` ({amount, method, …}, re_collections.refund)
    pays money back in the same transaction."""
    reason = clean_text(reason, "reason", max_length=300, required=True)
    if refund:
        require_permission(actor, "re_collections.refund")
    with transaction.atomic():
        trade = _trade_of(actor, trade, "cancel")
        if trade.stage == Stage.CANCELLED:
            raise InvalidStateError(_("The trade is cancelled already."))
        if trade.subscriptions.filter(status=Subscription.Status.PENDING).exists():
            raise InvalidStateError(_("The subscription is in approval: withdraw the request first."))
        stage = trade.stage
        release_unit(trade, actor=actor)
        _close_documents(trade)
        receipts.dues_replace(trade, [], actor=actor)
        trade = _stage(
            trade,
            Stage.CANCELLED,
            actor=actor,
            cancelled_at=timezone.now(),
            cancel_kind=Trade.CancelKind.WITHDRAW,
            cancel_reason=reason,
            cancelled_stage=stage,
        )
        if refund:
            receipts.refund_issue(actor=actor, trade=trade, data={"notes": reason, **refund})
    return trade


def trade_change_unit(*, actor: User, trade: Trade | int, unit: Any, reason: str) -> Trade:
    """换房: move a deposited or subscribed trade to another available unit (re_sales.cancel); returns the new
    trade. A subscription is made again on the new unit's price with the same scheme, discounts, deposit and dates
    (through approval again when its discount asks for it)."""
    from .subscriptions import subscription_create

    reason = clean_text(reason, "reason", max_length=300, required=True)
    with transaction.atomic():
        old = _trade_of(actor, trade, "cancel")
        if old.stage not in (Stage.DEPOSIT, Stage.SUBSCRIBED):
            raise InvalidStateError(
                _("Only a deposited or subscribed trade changes unit; after the contract, withdraw.")
            )
        new_unit = _unit(unit, actor)
        if new_unit.pk == old.unit_id or new_unit.building.project_id != old.project_id:
            raise field_error("unit", _("Choose another unit of the same project."))
        if old.subscriptions.filter(status=Subscription.Status.PENDING).exists():
            raise InvalidStateError(_("The subscription is in approval: withdraw the request first."))
        stage = old.stage
        subscription = old.subscriptions.filter(status=Subscription.Status.ACTIVE).order_by("-id").first()
        deposit = old.deposits.filter(status=Deposit.Status.ACTIVE).order_by("-id").first()
        release_unit(old, actor=actor)
        _close_documents(old)
        receipts.dues_replace(old, [], actor=actor)
        if stage == Stage.DEPOSIT and deposit is not None:
            _reserve(actor=actor, unit=new_unit, to=UnitStatus.DEPOSIT)
            new = _new_trade(actor=actor, unit=new_unit, customer=old.customer, stage=Stage.DEPOSIT)
            Deposit.objects.create(
                trade=new,
                number=deposit.number + "-H",
                amount=deposit.amount,
                paid_on=deposit.paid_on,
                expires_on=deposit.expires_on,
                created_by=actor,
            )
            difference = (new_unit.total_price or 0) - (old.unit.total_price or 0)
        else:
            assert subscription is not None
            # the old trade leaves the unit first, so the new subscription's trade is the only live one for the buyer
            _stage(
                old,
                Stage.CANCELLED,
                actor=actor,
                cancelled_at=timezone.now(),
                cancel_kind=Trade.CancelKind.CHANGE_UNIT,
                cancel_reason=reason,
                cancelled_stage=stage,
            )
            created = subscription_create(
                actor=actor,
                data={
                    "unit": new_unit.pk,
                    "customer": old.customer_id,
                    "scheme": subscription.scheme_id,
                    "discounts": list(subscription.discounts.values_list("pk", flat=True)),
                    "deposit_amount": subscription.deposit_amount,
                    "subscribed_on": subscription.subscribed_on,
                    "sign_by": max(subscription.sign_by, timezone.localdate()),
                },
            )
            new = created.trade
            difference = (new.agreed_price or 0) - (old.agreed_price or 0)
        # the money follows the buyer to the new trade
        moved = list(Receipt.objects.filter(trade=old).values_list("number", flat=True))
        Receipt.objects.filter(trade=old).update(trade=new)
        Trade.objects.filter(pk=old.pk).update(replaced_by=new, price_difference=difference)
        Trade.objects.filter(pk=new.pk).update(price_difference=difference)
        if old.stage != Stage.CANCELLED:
            _stage(
                old,
                Stage.CANCELLED,
                actor=actor,
                cancelled_at=timezone.now(),
                cancel_kind=Trade.CancelKind.CHANGE_UNIT,
                cancel_reason=reason,
                cancelled_stage=stage,
            )
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=new,
            message=reason,
            changes={
                "replaces": [None, old.number],
                "price_difference": [None, str(difference)],
                "receipts": [None, ", ".join(moved)],
            },
        )
        new = Trade.objects.get(pk=new.pk)
        receipts.settle(new, actor=actor)
    return new
