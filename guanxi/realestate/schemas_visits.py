"""API schemas of the sales office (visitors, visits, members) and of the reports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from guanxi.core.api import CountIsExact, InputSchema

GradeCode = Literal["A", "B", "C"]


class VisitIn(InputSchema):
    phone: str = Field(..., max_length=50)
    name: str = Field("", max_length=200, description="Needed for a first visit (a phone not on record)")
    source: str = Field("", max_length=50, description="A code of the dictionary re_visit_source")
    party_size: int = Field(1, ge=1, le=50)
    note: str = Field("", max_length=300)
    agent_id: int | None = Field(None, description="A member of the project; empty: the next agent in turn")
    visited_at: dt.datetime | None = None
    answers: dict[str, Any] = Field(default_factory=dict, description="The questionnaire: {field code: value}")


class VisitorOut(Schema):
    id: int
    version: int
    project_id: int
    customer_id: int
    name: str = Field(..., alias="customer.name")
    phone: str = Field(..., alias="customer.phone")
    agent_id: int
    source: str
    grade: GradeCode
    graded_by_rule_id: int | None
    first_visit_at: dt.datetime
    last_visit_at: dt.datetime
    visit_count: int
    answers: dict[str, Any] = Field(..., alias="custom")


class VisitOut(Schema):
    id: int
    visited_at: dt.datetime
    is_return: bool
    agent_id: int
    party_size: int
    note: str
    visitor: VisitorOut


class VisitorPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[VisitorOut]


class VisitorPatch(InputSchema):
    answers: dict[str, Any] | None = None
    source: str | None = Field(None, max_length=50)
    agent_id: int | None = Field(
        None, description="Hand the visitor to another agent of the project (re_visitors.admin)"
    )


class VisitorFollowUpIn(InputSchema):
    content: str = Field(..., max_length=5000)
    method: str = Field("phone", max_length=20)
    next_follow_up_on: dt.date | None = None


class VisitorFollowUpOut(Schema):
    id: int
    customer_id: int
    occurred_at: dt.datetime
    method: str
    content: str


class ProjectMemberIn(InputSchema):
    on_rotation: bool = False
    absent: bool = False


class ProjectMemberOut(Schema):
    user_id: int
    username: str = Field(..., alias="user.username")
    rotation_order: int | None
    absent: bool
    last_turn_at: dt.datetime | None


class NextAgentOut(Schema):
    user_id: int | None
    username: str | None


class SalesRowOut(Schema):
    key: Any
    label: Any
    units: int
    area: Decimal
    amount: Decimal
    average: Decimal | None


class ConversionOut(Schema):
    deposits: int
    deposits_converted: int
    deposit_rate: Decimal | None
    subscriptions: int
    subscriptions_converted: int
    subscription_rate: Decimal | None


class CollectionsRowOut(Schema):
    project_id: int
    project: str
    scheduled: Decimal
    due: Decimal
    received: Decimal
    arrears: Decimal
    overdue_trades: int
    as_of: dt.date


class AgentRowOut(Schema):
    agent_id: int
    agent: str
    visitors: int
    deposits: int
    subscriptions: int
    contracts: int
    amount: Decimal


class FunnelStepOut(Schema):
    step: Literal["visit", "return", "deposit", "subscription", "contract"]
    count: int
    rate: Decimal | None


class ControlRowOut(Schema):
    building_id: int
    building: str = Field(..., alias="building__name")
    project: str = Field(..., alias="building__project__name")
    total: int
    counts: dict[str, int]
    available_value: Decimal | None
