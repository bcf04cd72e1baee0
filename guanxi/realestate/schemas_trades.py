"""Request and response bodies of the transaction chain's REST operations (api_trades.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from guanxi.core.api import CountIsExact, InputSchema

Money = Decimal
MoneyIn = Field(..., gt=0, max_digits=14, decimal_places=2)


class ReSelectionIn(InputSchema):
    unit_id: int
    customer_id: int
    scheme_id: int | None = None
    notes: str = Field("", max_length=2000)


class ReDepositIn(InputSchema):
    """A small deposit (小定) on a selected trade (`trade_id`) or straight on an available unit for a buyer."""

    trade_id: int | None = None
    unit_id: int | None = None
    customer_id: int | None = None
    amount: Decimal = MoneyIn
    expires_on: dt.date
    method: Literal["transfer", "card", "cash", "cheque", "loan"] = "transfer"


class ReSubscriptionIn(InputSchema):
    trade_id: int | None = None
    unit_id: int | None = None
    customer_id: int | None = None
    scheme_id: int
    discount_ids: list[int] = Field(default_factory=list, max_length=20)
    deposit_amount: Decimal = MoneyIn
    subscribed_on: dt.date | None = None
    sign_by: dt.date


class ReContractIn(InputSchema):
    filing_number: str = Field("", max_length=60)
    contract_price: Decimal | None = Field(None, gt=0, max_digits=14, decimal_places=2)
    scheme_id: int | None = None
    signed_on: dt.date | None = None


class ReReceiptIn(InputSchema):
    amount: Decimal = MoneyIn
    kind: Literal["payment", "advance"] = "payment"
    method: Literal["transfer", "card", "cash", "cheque", "loan"] = "transfer"
    received_on: dt.date | None = None
    payer: str = Field("", max_length=200)
    notes: str = Field("", max_length=300)


class ReRefundIn(InputSchema):
    amount: Decimal = MoneyIn
    method: Literal["transfer", "card", "cash", "cheque", "loan"] = "transfer"
    received_on: dt.date | None = None
    notes: str = Field(..., max_length=300, description="Why the money is refunded")


class ReCancelIn(InputSchema):
    reason: str = Field(..., max_length=300)
    refund_amount: Decimal | None = Field(None, gt=0, max_digits=14, decimal_places=2)


class ReChangeUnitIn(InputSchema):
    unit_id: int
    reason: str = Field(..., max_length=300)


class ReDueOut(Schema):
    kind: str
    due_on: dt.date
    amount: Money
    received: Money


class ReBalanceOut(Schema):
    price: Money
    scheduled: Money
    received: Money
    refunded: Money
    collected: Money
    outstanding: Money
    overdue: Money
    advance: Money


class ReTradeOut(Schema):
    id: int
    number: str
    project_id: int
    unit_id: int
    customer_id: int
    agent_id: int
    stage: str
    scheme_id: int | None
    list_price: Money | None
    agreed_price: Money | None
    selection_number: str
    selected_on: dt.date | None
    cancel_kind: str
    cancel_reason: str
    replaced_by_id: int | None
    price_difference: Money | None


class ReTradeDetailOut(ReTradeOut):
    dues: list[ReDueOut]
    balance: ReBalanceOut


class ReTradePage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[ReTradeOut]


class ReDepositOut(Schema):
    id: int
    number: str
    trade_id: int
    amount: Money
    paid_on: dt.date
    expires_on: dt.date
    status: str


class ReSubscriptionOut(Schema):
    id: int
    number: str
    trade_id: int
    scheme_id: int
    list_price: Money
    agreed_price: Money
    deposit_amount: Money
    subscribed_on: dt.date
    sign_by: dt.date
    status: str = Field(..., description="active, or pending while its discount waits for approval")


class ReContractOut(Schema):
    id: int
    number: str
    trade_id: int
    filing_number: str
    scheme_id: int
    contract_price: Money
    signed_on: dt.date
    status: str


class ReReceiptOut(Schema):
    id: int
    number: str
    trade_id: int
    kind: str
    amount: Money
    method: str
    received_on: dt.date
    payer: str
    notes: str


class ReReceiptPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[ReReceiptOut]
