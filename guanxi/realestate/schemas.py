"""API schemas of real-estate sales."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from guanxi.core.api import CountIsExact, InputSchema, Version
from guanxi.core.custom_fields.api import custom_values_out, custom_values_type
from guanxi.org.lists.custom import CUSTOM_FILTER_HELP

from .models import Orientation, Rounding, Unit

UnitStatus = Literal[tuple(Unit.Status.values)]  # type: ignore[valid-type]
RoundingCode = Literal[tuple(Rounding.values)]  # type: ignore[valid-type]
OrientationCode = Literal[tuple(["", *Orientation.values])]  # type: ignore[valid-type]
CustomUnit = custom_values_type("realestate.unit")


class ProjectIn(InputSchema):
    name: str = Field(..., max_length=200)
    address: str = Field("", max_length=300)
    developer: str = Field("", max_length=200)
    presale_permits: str = Field("", max_length=5000)
    rounding: RoundingCode = "yuan"
    notes: str = Field("", max_length=5000)


class ProjectOut(Schema):
    id: int
    version: int
    name: str
    address: str
    developer: str
    presale_permits: str
    rounding: str


class ProjectPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[ProjectOut]


class BuildingIn(InputSchema):
    name: str = Field(..., max_length=100)
    permit: str = Field("", max_length=100)


class BuildingOut(Schema):
    id: int
    project_id: int
    name: str
    permit: str


class GenerateIn(InputSchema):
    floor_from: int = Field(1, ge=-5, le=200)
    floor_to: int = Field(..., ge=-5, le=200)
    units_per_floor: int = Field(..., ge=1, le=50)
    entrances: int = Field(1, ge=1, le=20)
    built_area: Decimal = Field(..., gt=0, max_digits=9, decimal_places=2)
    usable_area: Decimal | None = Field(None, gt=0, max_digits=9, decimal_places=2)
    layout_id: int | None = None
    decoration_id: int | None = None
    orientation: OrientationCode = ""
    skip_floors: str = Field("", max_length=200, description='Floors left out: "4 14"')
    skip_numbers: str = Field("", max_length=2000, description='Units left out: "1-1203 1-1204"')


class UnitOut(Schema):
    id: int
    version: int
    building_id: int
    entrance: str
    floor: int
    number: str
    layout_id: int | None
    orientation: str
    built_area: Decimal
    usable_area: Decimal | None
    decoration_id: int | None
    status: str
    price_basis: str
    base_price: Decimal | None
    price_per_m2: Decimal | None
    total_price: Decimal | None
    held_until: dt.date | None
    custom: CustomUnit = Field(default_factory=dict)
    resolve_custom = staticmethod(custom_values_out("realestate.unit"))


class UnitPatch(InputSchema):
    """Only the fields sent change; a reserved unit keeps its area and decoration (409)."""

    entrance: str | None = Field(None, max_length=20)
    floor: int | None = None
    number: str | None = Field(None, max_length=20)
    layout: int | None = Field(None, description="A layout of the unit's project (id); null: none.")
    orientation: OrientationCode | None = None
    built_area: Decimal | None = Field(None, gt=0, max_digits=9, decimal_places=2)
    usable_area: Decimal | None = Field(None, gt=0, max_digits=9, decimal_places=2)
    decoration: int | None = Field(None, description="A decoration standard of the unit's project (id); null: none.")
    custom: CustomUnit | None = Field(None, description="Custom field values by code (null clears one).")
    version: Version | None = None


class UnitPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[UnitOut]


class UnitFilters(Schema):
    project_id: int | None = None
    building_id: int | None = None
    status: UnitStatus | None = None
    layout_id: int | None = None
    floor_min: int | None = None
    floor_max: int | None = None
    area_min: Decimal | None = None
    area_max: Decimal | None = None
    price_max: Decimal | None = Field(None, description="Budget: total price at most")
    orientation: OrientationCode | None = None
    custom: list[str] | None = Field(None, description=CUSTOM_FILTER_HELP)


class HoldIn(InputSchema):
    reason: str = Field(..., max_length=200)
    until: dt.date | None = None


class ReleaseIn(InputSchema):
    unit_ids: list[int] = Field(..., max_length=5000)


class UnitPriceIn(InputSchema):
    unit_ids: list[int] = Field(..., max_length=5000)
    basis: Literal["per_m2", "total"] = "per_m2"
    base_price: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    reason: str = Field("", max_length=300)


class PriceResult(Schema):
    repriced: int
    skipped_reserved: int


class ReleaseResult(Schema):
    released: int


class DiscountLineOut(Schema):
    name: str
    kind: str
    method: str
    value: Decimal
    before: Decimal
    after: Decimal


class LoanOut(Schema):
    kind: str
    principal: Decimal
    rate: Decimal
    months: int
    monthly_equal_instalment: Decimal
    first_month_equal_principal: Decimal
    monthly_decrease: Decimal


class ScheduleOut(Schema):
    what: str
    due: dt.date
    amount: Decimal


class PlanOut(Schema):
    unit_id: int
    scheme_id: int
    list_price: Decimal
    discounts: list[DiscountLineOut]
    total: Decimal
    down_payment: Decimal
    loans: list[LoanOut]
    schedule: list[ScheduleOut]


class AdjustmentIn(InputSchema):
    building_id: int | None = None
    floor_from: int | None = Field(None, ge=-5, le=200)
    floor_to: int | None = Field(None, ge=-5, le=200)
    layout_id: int | None = None
    method: Literal["percent", "per_m2"] = "percent"
    value: Decimal = Field(..., max_digits=14, decimal_places=2, description="3 = 3 % up; or yuan per m²")
    reason: str = Field(..., max_length=300)


class AdjustmentOut(Schema):
    id: int
    version: int
    number: str
    project_id: int
    building_id: int | None
    floor_from: int | None
    floor_to: int | None
    layout_id: int | None
    method: str
    value: Decimal
    reason: str
    status: str
    applied_at: dt.datetime | None
    applied_count: int
    skipped_count: int
