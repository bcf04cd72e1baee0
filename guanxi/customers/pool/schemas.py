"""API schemas of the public pool. Input and output are separate classes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.utils import timezone
from ninja import Field, Schema

from guanxi.core.api import CountIsExact, InputSchema, ObjectId
from guanxi.core.dictionaries.selectors import api_code
from guanxi.org.schemas import DepartmentRef, UserRef

from .filters import POOL_SORTS
from .policies import CLAIM_CAP_MAX, DAYS_MAX

PoolSort = Literal[tuple(POOL_SORTS)]  # type: ignore[valid-type]
CustomerLevel = api_code("customer_level")
CustomerStatus = api_code("customer_status")


class PoolCustomerOut(Schema):
    id: int
    name: str
    level: str
    status: str
    industry: str
    province: str
    city: str
    department: DepartmentRef | None = Field(..., description="Empty: a company-wide pool customer.")
    previous_owner: UserRef | None
    pool_entered_at: dt.datetime | None
    pool_reason: str
    days_in_pool: int
    last_contact_at: dt.datetime | None

    @staticmethod
    def resolve_days_in_pool(obj: Any) -> int:
        if obj.pool_entered_at is None:
            return 0
        return max(0, (timezone.now() - obj.pool_entered_at).days)


class PoolPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[PoolCustomerOut]


class PoolFilters(Schema):
    """The pool page's filters (pool.filters.PoolFilter)."""

    q: str | None = Field(None, max_length=100, description="Name, pinyin, initials, phone, e-mail or credit code.")
    level: list[api_code("customer_level", check=False)] | None = Field(None, description="Repeat for several levels.")
    industry: str | None = Field(None, max_length=50)
    province: str | None = Field(None, max_length=30)
    previous_owner: int | None = Field(None, ge=1, description="User id of the last owner.")
    min_days: int | None = Field(None, ge=0, le=36_500, description="In the pool for at least this many days.")
    max_days: int | None = Field(None, ge=0, le=36_500, description="In the pool for at most this many days.")
    sort: PoolSort | None = Field(None, description="Default `-entered` (newest in the pool first).")


class ClaimIn(InputSchema):
    ids: list[ObjectId] = Field(..., min_length=1, max_length=1000, description="Pool customer ids.")


class AssignIn(InputSchema):
    ids: list[ObjectId] = Field(..., min_length=1, max_length=1000, description="Pool customer ids.")
    owner_id: ObjectId = Field(..., description="Who gets them.")


class SkippedOut(Schema):
    id: int
    reason: str


class PoolActionOut(Schema):
    done: list[int] = Field(..., description="Ids claimed or assigned.")
    skipped: list[SkippedOut] = Field(..., description="Ids left alone, each with the reason.")


class ReturnIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=300, description="Why the customer goes to the pool.")


class PoolRuleOut(Schema):
    id: int
    name: str
    department: DepartmentRef | None = Field(..., description="Empty: the company-wide rule.")
    is_active: bool
    first_warning_days: int
    second_warning_days: int
    reclaim_days: int
    levels: list[str]
    statuses: list[str]
    reclaim_with_open_opportunity: bool
    reclaim_with_active_contract: bool
    daily_claim_cap: int = Field(..., description="0: no limit.")
    reclaim_cooldown_days: int


class PoolRuleIn(InputSchema):
    """Create or change the rule of `department_id` (null: the company-wide rule). Omitted fields keep their
    current value (a new rule starts from the defaults 30/60/60)."""

    department_id: int | None = None
    name: str | None = Field(None, min_length=1, max_length=100)
    is_active: bool | None = None
    first_warning_days: int | None = Field(None, ge=1, le=DAYS_MAX)
    second_warning_days: int | None = Field(None, ge=0, le=DAYS_MAX)
    reclaim_days: int | None = Field(None, ge=0, le=DAYS_MAX)
    levels: list[CustomerLevel] | None = Field(None, description="Empty: all levels.")
    statuses: list[CustomerStatus] | None = Field(
        None, description="Empty: every status except those flagged deal_made (`won`)."
    )
    reclaim_with_open_opportunity: bool | None = None
    reclaim_with_active_contract: bool | None = None
    daily_claim_cap: int | None = Field(None, ge=0, le=CLAIM_CAP_MAX)
    reclaim_cooldown_days: int | None = Field(None, ge=0, le=DAYS_MAX)
