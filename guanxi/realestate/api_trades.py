"""REST endpoints of the transaction chain (选房 / 小定 / 认购 / 签约) and collections (收款), mounted on the one
NinjaAPI in guanxi/api/main.py. 404 where real-estate sales are switched off; 409 when another agent deposited or
subscribed the unit first."""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from guanxi.core.api import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, PageParams, error_responses, idempotent, paginate
from guanxi.org.current import current_user

from . import cancellations, receipts, selectors_trades, subscriptions, trades
from .feature import when_enabled
from .models import Trade
from .schemas_trades import (
    ReCancelIn,
    ReChangeUnitIn,
    ReContractIn,
    ReContractOut,
    ReDepositIn,
    ReDepositOut,
    ReReceiptIn,
    ReReceiptOut,
    ReReceiptPage,
    ReRefundIn,
    ReSelectionIn,
    ReSubscriptionIn,
    ReSubscriptionOut,
    ReTradeDetailOut,
    ReTradeOut,
    ReTradePage,
)

router = Router(tags=["Real estate"])
SWITCHED_OFF = error_responses(404)


class ReTradeFilters(Schema):
    stage: str | None = None
    project_id: int | None = None
    unit_id: int | None = None
    customer_id: int | None = None


def _detail(trade: Trade) -> dict[str, Any]:
    bal = receipts.trade_balance(trade)
    out = ReTradeOut.from_orm(trade).dict()
    out["dues"] = list(selectors_trades.trade_dues(trade))
    out["balance"] = {**bal.__dict__, "collected": bal.collected, "outstanding": bal.outstanding}
    return out


@router.get("/realestate/trades", response={200: ReTradePage, **LIST_ERRORS, **SWITCHED_OFF}, summary="List trades")
@when_enabled
def trade_list(request: HttpRequest, filters: Query[ReTradeFilters], page: Query[PageParams]) -> object:
    qs = selectors_trades.trade_list(user=current_user(request))
    for field in ("stage", "project_id", "unit_id", "customer_id"):
        value = getattr(filters, field)
        if value not in (None, ""):
            qs = qs.filter(**{field: value})
    return paginate(qs.order_by("-id"), page)


@router.get("/realestate/trades/{int:trade_id}", response={200: ReTradeDetailOut, **READ_ERRORS}, summary="Get a trade")
@when_enabled
def trade_get(request: HttpRequest, trade_id: int) -> object:
    """A trade with its payment schedule and its balance (collected = received − refunded, to the cent)."""
    return _detail(selectors_trades.trade_get(user=current_user(request), pk=trade_id))


@router.post("/realestate/trades", response={201: ReTradeOut, **WRITE_ERRORS}, summary="Confirm a unit selection")
@when_enabled
@idempotent
def selection_confirm(request: HttpRequest, payload: ReSelectionIn) -> object:
    """选房确认: a trade starts for the buyer; the unit stays on sale until the small deposit or subscription."""
    return Status(201, trades.selection_confirm(
        actor=current_user(request), unit=payload.unit_id, customer=payload.customer_id, scheme=payload.scheme_id,
        notes=payload.notes,
    ))  # fmt: skip


@router.post("/realestate/deposits", response={201: ReDepositOut, **WRITE_ERRORS}, summary="Take a small deposit")
@when_enabled
@idempotent
def deposit_take(request: HttpRequest, payload: ReDepositIn) -> object:
    """小定: reserves the unit in one atomic change — of agents racing for it exactly one wins, the others get 409."""
    return Status(201, trades.deposit_take(
        actor=current_user(request), trade=payload.trade_id, unit=payload.unit_id, customer=payload.customer_id,
        amount=payload.amount, expires_on=payload.expires_on, method=payload.method,
    ))  # fmt: skip


@router.post("/realestate/subscriptions", response={201: ReSubscriptionOut, **WRITE_ERRORS}, summary="Subscribe")
@when_enabled
@idempotent
def subscription_create(request: HttpRequest, payload: ReSubscriptionIn) -> object:
    """认购: the agreed price after the scheme's and the chosen discounts, the schedule; `pending` while approval is
    needed (a manager's special discount above the rule's threshold). 409 when the unit is gone."""
    data = {"trade": payload.trade_id, "unit": payload.unit_id, "customer": payload.customer_id,
            "scheme": payload.scheme_id, "discounts": payload.discount_ids, "deposit_amount": payload.deposit_amount,
            "subscribed_on": payload.subscribed_on, "sign_by": payload.sign_by}  # fmt: skip
    return Status(201, subscriptions.subscription_create(actor=current_user(request), data=data))


@router.post(
    "/realestate/trades/{int:trade_id}/contract",
    response={201: ReContractOut, **WRITE_ERRORS},
    summary="Sign the contract",
)
@when_enabled
@idempotent
def contract_sign(request: HttpRequest, trade_id: int, payload: ReContractIn) -> object:
    data = {"filing_number": payload.filing_number, "contract_price": payload.contract_price,
            "scheme": payload.scheme_id, "signed_on": payload.signed_on}  # fmt: skip
    return Status(201, subscriptions.contract_sign(actor=current_user(request), trade=trade_id, data=data))


@router.post(
    "/realestate/trades/{int:trade_id}/receipts",
    response={201: ReReceiptOut, **WRITE_ERRORS},
    summary="Record a receipt",
)
@when_enabled
@idempotent
def receipt_record(request: HttpRequest, trade_id: int, payload: ReReceiptIn) -> object:
    user = current_user(request)
    trade = selectors_trades.trade_get(user=user, pk=trade_id)
    return Status(201, receipts.receipt_record(actor=user, trade=trade, data=payload.dict()))


@router.post(
    "/realestate/trades/{int:trade_id}/refunds",
    response={201: ReReceiptOut, **WRITE_ERRORS},
    summary="Refund the buyer",
)
@when_enabled
@idempotent
def refund_issue(request: HttpRequest, trade_id: int, payload: ReRefundIn) -> object:
    user = current_user(request)
    trade = selectors_trades.trade_get(user=user, pk=trade_id)
    return Status(201, receipts.refund_issue(actor=user, trade=trade, data=payload.dict()))


@router.post(
    "/realestate/trades/{int:trade_id}/cancel", response={200: ReTradeOut, **WRITE_ERRORS}, summary="Withdraw (退房)"
)
@when_enabled
def trade_cancel(request: HttpRequest, trade_id: int, payload: ReCancelIn) -> object:
    refund = {"amount": payload.refund_amount} if payload.refund_amount else None
    return cancellations.trade_cancel(actor=current_user(request), trade=trade_id, reason=payload.reason, refund=refund)


@router.post(
    "/realestate/trades/{int:trade_id}/change-unit", response={200: ReTradeOut, **WRITE_ERRORS},
    summary="Change unit (换房)",
)  # fmt: skip
@when_enabled
def trade_change_unit(request: HttpRequest, trade_id: int, payload: ReChangeUnitIn) -> object:
    """The new trade on the other unit, carrying the receipts; its price difference is new − old."""
    return cancellations.trade_change_unit(
        actor=current_user(request), trade=trade_id, unit=payload.unit_id, reason=payload.reason
    )


@router.get(
    "/realestate/receipts", response={200: ReReceiptPage, **LIST_ERRORS, **SWITCHED_OFF}, summary="List receipts"
)
@when_enabled
def receipt_list(request: HttpRequest, page: Query[PageParams]) -> object:
    return paginate(selectors_trades.receipt_list(user=current_user(request)).order_by("-id"), page)
