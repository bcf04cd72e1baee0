"""API schemas of contracts (合同): separate In and Out schemas."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from guanxi.approvals.schemas import RequestDetailOut
from guanxi.core.api import CountIsExact, InputSchema, ObjectId, Version
from guanxi.core.custom_fields.api import custom_values_out, custom_values_type
from guanxi.core.files import download_url
from guanxi.org.lists.custom import CUSTOM_FILTER_HELP
from guanxi.org.schemas import UserRef

from .common import (
    Amount,
    ContractStatus,
    NumberRef,
    Rate,
    Ref,
)

CustomContract = custom_values_type("commerce.contract")


# --- contracts -------------------------------------------------------------------------------
class ContractOut(Schema):
    id: int
    version: int
    number: str
    title: str
    customer: Ref
    contact: Ref | None
    opportunity: Ref | None
    quote: NumberRef | None
    owner: UserRef
    status: str = Field(..., description="draft, in_approval, approved, signed, in_execution, completed, terminated.")
    amount: Decimal
    currency: str
    min_discount_rate: Decimal
    standard_template: bool
    signed_on: dt.date | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    has_signed_scan: bool
    terminated_reason: str
    created_at: dt.datetime
    updated_at: dt.datetime

    signed_scan_url: str | None = Field(None, description="Download link of the signed scan (for contract readers).")
    custom: CustomContract = Field(default_factory=dict)
    resolve_custom = staticmethod(custom_values_out("commerce.contract"))

    @staticmethod
    def resolve_has_signed_scan(obj: Any) -> bool:
        return bool(obj.signed_scan)

    @staticmethod
    def resolve_signed_scan_url(obj: Any) -> str | None:
        return download_url(obj, "signed_scan") or None


class ContractDetailOut(ContractOut):
    terms: str
    note: str
    amount_in_capitals: str
    balance_due: Decimal | None = Field(
        None,
        description="From the billing app, when installed; null unless the reader may see the contract's payments "
        "(payments.view in scope).",
    )
    approval: RequestDetailOut | None = Field(
        None, description="The latest approval request of this contract (who approves and why, steps, history)."
    )

    @staticmethod
    def resolve_amount_in_capitals(obj: Any) -> str:
        from guanxi.core.money import amount_in_chinese_capitals

        return amount_in_chinese_capitals(obj.amount)


class ContractPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    items: list[ContractOut]
    limit: int
    offset: int


class ContractFilters(Schema):
    status: ContractStatus | None = None
    customer: ObjectId | None = None
    owner: ObjectId | None = None
    opportunity: ObjectId | None = None
    q: str | None = Field(None, max_length=100)
    custom: list[str] | None = Field(None, description=CUSTOM_FILTER_HELP)


class _ContractFields(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    contact_id: ObjectId | None = None
    amount: Amount | None = None
    min_discount_rate: Rate | None = None
    standard_template: bool | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    terms: str | None = Field(None, max_length=10000)
    note: str | None = Field(None, max_length=10000)
    custom: CustomContract | None = Field(None, description="Custom field values by code (null clears one).")


class ContractIn(_ContractFields):
    """One of quote_id (approved or accepted quote: customer, amount and discount are copied),
    opportunity_id, or customer_id (with amount)."""

    quote_id: ObjectId | None = None
    opportunity_id: ObjectId | None = None
    customer_id: ObjectId | None = None


class ContractPatch(_ContractFields):
    version: Version | None = None


class SignIn(InputSchema):
    signed_on: dt.date
    version: Version | None = None


class TerminateIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=300)
