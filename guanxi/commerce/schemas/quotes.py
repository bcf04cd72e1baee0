"""API schemas of quotes (报价): separate In and Out schemas."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from guanxi.approvals.schemas import RequestDetailOut
from guanxi.core.api import CountIsExact, InputSchema, ObjectId, Version
from guanxi.core.custom_fields.api import custom_values_out, custom_values_type
from guanxi.org.lists.custom import CUSTOM_FILTER_HELP
from guanxi.org.schemas import UserRef

from .common import (
    Quantity,
    QuoteStatus,
    Rate,
    Ref,
)

CustomQuote = custom_values_type("commerce.quote")


# --- quotes ----------------------------------------------------------------------------------
class QuoteLineOut(Schema):
    position: int
    product: Ref
    product_code: str
    description: str
    unit: str
    quantity: Decimal
    list_price: Decimal
    discount: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    amount: Decimal
    tax: Decimal
    total: Decimal

    @staticmethod
    def resolve_product_code(obj: Any) -> str:
        return str(obj.product.code)


class QuoteOut(Schema):
    id: int
    version: int
    number: str
    revision: int
    root_id: int | None
    title: str
    customer: Ref
    contact: Ref | None
    opportunity: Ref | None
    owner: UserRef
    status: str = Field(..., description="draft, in_approval, approved, sent, accepted, rejected, expired, superseded.")
    special_price: bool
    price_book: Ref | None
    currency: str
    quote_date: dt.date
    valid_until: dt.date
    overall_discount: Decimal
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    list_total: Decimal
    min_discount_rate: Decimal
    sent_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    custom: CustomQuote = Field(default_factory=dict)
    resolve_custom = staticmethod(custom_values_out("commerce.quote"))


class QuoteDetailOut(QuoteOut):
    terms: str
    note: str
    lines: list[QuoteLineOut]
    total_in_capitals: str
    approval: RequestDetailOut | None = Field(
        None, description="The latest approval request of this quote (who approves and why, steps, history)."
    )

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.select_related("product"))

    @staticmethod
    def resolve_total_in_capitals(obj: Any) -> str:
        from guanxi.core.money import amount_in_chinese_capitals

        return amount_in_chinese_capitals(obj.total)


class QuotePage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    items: list[QuoteOut]
    limit: int
    offset: int


class QuoteFilters(Schema):
    status: QuoteStatus | None = None
    customer: ObjectId | None = None
    owner: ObjectId | None = None
    opportunity: ObjectId | None = None
    q: str | None = Field(None, max_length=100, description="Number, title or customer name contains.")
    all_versions: bool = Field(False, description="Include superseded versions.")
    custom: list[str] | None = Field(None, description=CUSTOM_FILTER_HELP)


class QuoteLineIn(InputSchema):
    product_id: ObjectId
    quantity: Quantity
    discount: Rate = Field(Decimal("1"), description="Fraction of the (price book) list price: 0.85 = 8.5折.")
    description: str | None = Field(None, max_length=300, description="Default: the product's name.")


class _QuoteFields(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    contact_id: ObjectId | None = None
    opportunity_id: ObjectId | None = Field(None, description="An opportunity of the same customer.")
    price_book_id: ObjectId | None = Field(None, description="Its prices become the lines' list prices.")
    quote_date: dt.date | None = None
    valid_until: dt.date | None = Field(None, description="Default: quote date + the configured validity.")
    overall_discount: Rate | None = Field(None, description="On top of the line discounts; 1 = none.")
    terms: str | None = Field(None, max_length=5000)
    note: str | None = Field(None, max_length=5000)
    custom: CustomQuote | None = Field(None, description="Custom field values by code (null clears one).")


class QuoteIn(_QuoteFields):
    customer_id: ObjectId = Field(..., description="An existing, active customer you may see.")
    lines: list[QuoteLineIn] = Field(..., min_length=1, max_length=200)


class QuotePatch(_QuoteFields):
    lines: list[QuoteLineIn] | None = Field(None, min_length=1, max_length=200, description="Replaces all lines.")
    version: Version | None = None


class QuoteSendIn(InputSchema):
    to: str = Field("", max_length=254, description="Default: the quote's contact's e-mail.")
    message: str = Field("", max_length=5000)


class AnswerIn(InputSchema):
    note: str = Field("", max_length=500)


class RouteStepOut(Schema):
    label: str
    mode: str = Field(..., description="any (或签) or all (会签).")
    approvers: list[UserRef]

    @staticmethod
    def resolve_approvers(obj: Any) -> list[Any]:
        return list(obj.users)


class RouteOut(Schema):
    kind: str = Field(..., description="quote or special_price (a quote), contract (a contract).")
    explanation: str
    steps: list[RouteStepOut]
    error: str = Field("", description="Why it cannot be submitted (no rule, nobody to approve).")
    problems: list[str] = Field(default_factory=list, description="Why a special-price request would be refused.")

    @staticmethod
    def resolve_explanation(obj: Any) -> str:
        return obj["plan"].explanation if obj["plan"] else ""

    @staticmethod
    def resolve_steps(obj: Any) -> list[Any]:
        return list(obj["plan"].steps) if obj["plan"] else []
