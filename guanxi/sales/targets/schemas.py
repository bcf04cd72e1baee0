"""API schemas for sales targets (业绩目标), their split, progress and the forecast."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from guanxi.core.api import CountIsExact, InputSchema, ObjectId
from guanxi.core.money import AMOUNT_MAX, CENT
from guanxi.org.schemas import DepartmentRef, UserRef

from .models import PeriodKind, SalesTarget

TargetPeriod = Literal[tuple(PeriodKind.values)]  # type: ignore[valid-type]
TargetMetric = Literal[tuple(SalesTarget.Metric.values)]  # type: ignore[valid-type]
Money = Decimal


class TargetOut(Schema):
    id: int
    owner: UserRef | None = Field(None, description="The person, for a person's target.")
    department: DepartmentRef | None = Field(None, description="The department, for a department target.")
    period_kind: str
    period_start: dt.date
    metric: str
    value: Decimal
    parent_id: int | None = Field(None, description="The department target this one was split from.")
    set_by: UserRef | None
    updated_at: dt.datetime


class TargetPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    items: list[TargetOut]
    limit: int
    offset: int


class TargetFilters(Schema):
    period_kind: TargetPeriod | None = None
    period_start: dt.date | None = None
    metric: TargetMetric | None = None
    owner: ObjectId | None = None
    department: ObjectId | None = None
    parent: ObjectId | None = Field(None, description="Member targets split from this department target.")


class TargetIn(InputSchema):
    owner_id: ObjectId | None = Field(None, description="A person… (give exactly one of owner_id / department_id)")
    department_id: ObjectId | None = Field(None, description="…or a department.")
    period_kind: TargetPeriod = "month"
    period_start: dt.date = Field(..., description="First day of the month, quarter or year.")
    metric: TargetMetric = "signed_amount"
    value: Decimal = Field(..., ge=0, le=AMOUNT_MAX - CENT, decimal_places=2)


class TargetPatch(InputSchema):
    value: Decimal = Field(..., ge=0, le=AMOUNT_MAX - CENT, decimal_places=2)


class TargetAllocationIn(InputSchema):
    owner_id: ObjectId
    value: Decimal = Field(..., ge=0, le=AMOUNT_MAX - CENT, decimal_places=2)


class SplitIn(InputSchema):
    allocations: list[TargetAllocationIn] = Field(..., max_length=1000, description="Must add up to the target.")


class ProgressParams(Schema):
    period_kind: TargetPeriod = "month"
    period_start: dt.date | None = Field(None, description="Any day of the period (default: today).")
    metric: TargetMetric = "signed_amount"


class ProgressRowOut(Schema):
    kind: str = Field(..., description="person or department")
    id: int
    name: str
    target: Decimal | None
    actual: Decimal
    percent: Decimal | None = Field(None, description="actual / target × 100, one decimal.")
    weighted: Decimal = Field(..., description="Weighted open pipeline expected in the period (amount metrics).")
    split_total: Decimal | None = Field(None, description="Department: the sum of its member targets, if split.")
    split_difference: Decimal | None = None

    @staticmethod
    def resolve_id(obj: Any) -> int:
        return obj.subject.pk

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(getattr(obj.subject, "display_name", "") or obj.subject)

    @staticmethod
    def resolve_target(obj: Any) -> Decimal | None:
        return obj.target.value if obj.target else None


class ProgressOut(Schema):
    period_kind: str
    date_from: dt.date
    date_to: dt.date
    metric: str
    departments: list[ProgressRowOut]
    people: list[ProgressRowOut]


class ForecastParams(Schema):
    period_kind: TargetPeriod = "month"
    period_start: dt.date | None = Field(None, description="Any day of the period (default: today).")


class SnapshotOut(Schema):
    period_start: dt.date
    taken_at: dt.datetime
    weighted: Decimal
    commit: Decimal
    best_case: Decimal
    pipeline_amount: Decimal
    count: int


class ForecastOut(Schema):
    period_kind: str
    date_from: dt.date
    date_to: dt.date
    count: int
    weighted: Decimal = Field(..., description="Σ amount × probability / 100 of open deals expected in the period.")
    commit: Decimal
    best_case: Decimal = Field(..., description="Commit + best case.")
    pipeline_amount: Decimal
    snapshots: list[SnapshotOut] = Field(..., description="Monthly snapshots kept for forecast accuracy.")
