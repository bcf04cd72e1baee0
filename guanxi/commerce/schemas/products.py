"""API schemas of the catalogue (products, product lines, price books) and the commerce settings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from guanxi.core.api import CountIsExact, InputSchema, ObjectId, Version

from .common import (
    Amount,
    Ref,
    TaxRate,
)


# --- catalogue -------------------------------------------------------------------------------
class ProductLineOut(Schema):
    id: int
    code: str
    name: str
    is_active: bool


class ProductOut(Schema):
    id: int
    version: int
    code: str
    name: str
    line: Ref | None
    unit: str
    list_price: Decimal
    currency: str
    tax_rate: Decimal
    description: str
    is_active: bool
    term_months: int | None = Field(None, description="Warranty / service term in months (null: none).")


class ProductPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    items: list[ProductOut]
    limit: int
    offset: int


class ProductFilters(Schema):
    q: str | None = Field(None, max_length=100, description="Code or name contains.")
    line: ObjectId | None = None
    active: bool | None = None


class _ProductFields(InputSchema):
    name: str | None = Field(None, max_length=200)
    line_id: ObjectId | None = None
    unit: str | None = Field(None, max_length=20)
    list_price: Amount | None = None
    tax_rate: TaxRate | None = None
    description: str | None = Field(None, max_length=5000)
    is_active: bool | None = None
    term_months: int | None = Field(None, ge=1, le=600, description="Warranty / service term in months.")


class ProductIn(_ProductFields):
    code: str = Field(..., min_length=1, max_length=50)
    name: str = Field(..., min_length=1, max_length=200)
    list_price: Amount


class ProductPatch(_ProductFields):
    code: str | None = Field(None, min_length=1, max_length=50)
    version: Version | None = None


class PriceBookEntryOut(Schema):
    product_id: int
    price: Decimal


class PriceBookOut(Schema):
    id: int
    name: str
    currency: str
    description: str
    is_active: bool
    partner_org_ids: list[int]
    entries: list[PriceBookEntryOut]

    @staticmethod
    def resolve_partner_org_ids(obj: Any) -> list[int]:
        return [p.pk for p in obj.partner_orgs.all()]

    @staticmethod
    def resolve_entries(obj: Any) -> list[Any]:
        return list(obj.entries.all())


class PriceIn(InputSchema):
    product_id: ObjectId
    price: Amount | None = Field(..., description="null removes the product from the book.")


class PriceBookIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    description: str = Field("", max_length=300)
    is_active: bool = True
    partner_org_ids: list[ObjectId] | None = Field(None, max_length=200)
    prices: list[PriceIn] = Field(default_factory=list, max_length=2000)


# --- settings --------------------------------------------------------------------------------
class CommerceSettingsOut(Schema):
    quote_valid_days: int
    special_price_followup_days: int
    special_price_required_fields: list[str]


class CommerceSettingsPatch(InputSchema):
    quote_valid_days: int | None = Field(None, ge=1, le=3650)
    special_price_followup_days: int | None = Field(None, ge=1, le=3650)
    special_price_required_fields: list[str] | None = Field(None, max_length=30)


class NumberingOut(Schema):
    kind: str
    pattern: str
    next_number: str


class NumberingIn(InputSchema):
    pattern: str = Field(
        ..., min_length=1, max_length=60, description="e.g. HT-{yyyy}-{seq:05} or BJ{yyyy}{mm}{dd}-{seq:04}"
    )
