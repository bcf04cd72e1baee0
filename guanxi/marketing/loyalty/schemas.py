"""API schemas of membership and loyalty."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from guanxi.core.api import CountIsExact, InputSchema, ObjectId, Version
from guanxi.core.custom_fields.api import custom_values_out, custom_values_type
from guanxi.org.lists.custom import CUSTOM_FILTER_HELP

from .models import Coupon, EarningRule, LoyaltyProgramme

Points = int
CustomMember = custom_values_type("marketing.member")
CouponKind = Literal[tuple(Coupon.Kind.values)]  # type: ignore[valid-type]
Trigger = Literal[tuple(EarningRule.Trigger.values)]  # type: ignore[valid-type]
Basis = Literal[tuple(LoyaltyProgramme.Basis.values)]  # type: ignore[valid-type]


class TierOut(Schema):
    id: int
    name: str
    threshold: Decimal
    benefits: str


class TierIn(InputSchema):
    name: str = Field(max_length=60)
    threshold: Decimal = Field(Decimal("0"), ge=0, max_digits=16, decimal_places=2,
                               description="Yuan spent, or points earned, in the rolling period.")  # fmt: skip
    benefits: str = Field("", max_length=300)


class TierPatch(InputSchema):
    name: str | None = Field(None, max_length=60)
    threshold: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    benefits: str | None = Field(None, max_length=300)


class EarningRuleOut(Schema):
    id: int
    name: str
    trigger: str
    points: int
    per_amount: Decimal | None
    is_active: bool


class EarningRuleIn(InputSchema):
    name: str = Field(max_length=120)
    trigger: Trigger  # type: ignore[valid-type]
    points: int = Field(ge=1, le=100_000_000)
    per_amount: Decimal | None = Field(
        None, gt=0, max_digits=16, decimal_places=2, description="Per purchase amount: the points per full yuan amount."
    )
    is_active: bool = True


class EarningRulePatch(InputSchema):
    name: str | None = Field(None, max_length=120)
    points: int | None = Field(None, ge=1, le=100_000_000)
    per_amount: Decimal | None = Field(None, gt=0, max_digits=16, decimal_places=2)
    is_active: bool | None = None


class ProgrammeOut(Schema):
    tier_basis: str
    tier_period_days: int
    points_valid_days: int


class ProgrammePatch(InputSchema):
    tier_basis: Basis | None = None  # type: ignore[valid-type]
    tier_period_days: int | None = Field(None, ge=1, le=3650)
    points_valid_days: int | None = Field(None, ge=1, le=3650)


class MemberOut(Schema):
    id: int
    version: int
    card_number: str
    customer_id: int
    contact_id: int | None
    tier_id: int | None
    tier_since: dt.date | None
    status: str
    joined_on: dt.date
    points_balance: int
    created_at: dt.datetime
    custom: CustomMember = Field(default_factory=dict)
    resolve_custom = staticmethod(custom_values_out("marketing.member"))


class MemberPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[MemberOut]


class MemberIn(InputSchema):
    customer: ObjectId
    contact: ObjectId | None = Field(None, description="Empty: the customer itself is the member.")
    joined_on: dt.date | None = None
    custom: CustomMember | None = Field(None, description="Custom field values by code.")


class MemberPatch(InputSchema):
    joined_on: dt.date | None = None
    custom: CustomMember | None = Field(None, description="Custom field values by code (null clears one).")
    version: Version | None = None


class MemberFilters(Schema):
    custom: list[str] | None = Field(None, description=CUSTOM_FILTER_HELP)


class PointsEntryOut(Schema):
    id: int
    member_id: int
    kind: str
    points: int
    balance_after: int
    at: dt.datetime
    expires_on: dt.date | None
    source: str
    note: str
    created_by_id: int | None


class PointsEntryPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[PointsEntryOut]


class RedeemIn(InputSchema):
    points: int = Field(ge=1, le=100_000_000)
    note: str = Field("", max_length=300)


class AdjustIn(InputSchema):
    points: int = Field(ge=-100_000_000, le=100_000_000, description="Added (positive) or taken away (negative).")
    note: str = Field(max_length=300)


class PointsCorrectionOut(Schema):
    id: int
    member_id: int
    points: int = Field(description="Added (positive) or taken away (negative).")
    note: str
    status: Literal["pending", "applied", "rejected", "withdrawn"] = Field(
        description="pending: awaiting approval (no ledger entry yet); applied: its ledger entry is written."
    )
    requested_by_id: int | None
    entry_id: int | None = Field(description="The ledger entry, once applied.")
    created_at: dt.datetime
    decided_at: dt.datetime | None


class PointsCorrectionPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[PointsCorrectionOut]


class CouponOut(Schema):
    id: int
    version: int
    code: str
    name: str
    kind: str
    value: Decimal
    valid_from: dt.date
    valid_until: dt.date
    limit_total: int | None
    limit_per_member: int
    min_tier_id: int | None
    redeemed_count: int


class CouponPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[CouponOut]


class CouponIn(InputSchema):
    code: str = Field(max_length=40)
    name: str = Field(max_length=120)
    kind: CouponKind = "amount"  # type: ignore[valid-type]
    value: Decimal = Field(gt=0, max_digits=16, decimal_places=2)
    valid_from: dt.date
    valid_until: dt.date
    limit_total: int | None = Field(None, ge=1, le=10_000_000)
    limit_per_member: int = Field(1, ge=1, le=10_000_000)
    min_tier: ObjectId | None = None


class CouponPatch(InputSchema):
    name: str | None = Field(None, max_length=120)
    value: Decimal | None = Field(None, gt=0, max_digits=16, decimal_places=2)
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    limit_total: int | None = Field(None, ge=1, le=10_000_000)
    limit_per_member: int | None = Field(None, ge=1, le=10_000_000)
    version: Version | None = None


class CouponUseIn(InputSchema):
    code: str = Field(max_length=40)
    quote: ObjectId | None = None
    contract: ObjectId | None = None


class CouponRedemptionOut(Schema):
    id: int
    coupon_id: int
    member_id: int
    quote_id: int | None
    contract_id: int | None
    at: dt.datetime
