"""API schemas of the approval engine: requests with steps and actions, route plans, rules, delegations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from guanxi.core.api import CountIsExact, InputSchema, ObjectId
from guanxi.org.schemas import UserRef

from .kinds import kind_label
from .models import ApprovalRequest, ApproverType, Mode, Op

Box = Literal["pending", "done", "mine"]
RequestStatus = Literal[tuple(ApprovalRequest.Status.values)]  # type: ignore[valid-type]
ModeCode = Literal[tuple(Mode.values)]  # type: ignore[valid-type]
OpCode = Literal[tuple(Op.values)]  # type: ignore[valid-type]
ApproverTypeCode = Literal[tuple(ApproverType.values)]  # type: ignore[valid-type]


class AssignmentOut(Schema):
    user: UserRef
    on_behalf_of: UserRef | None = Field(None, description="The original approver when a delegate acts.")
    decision: str = Field(..., description='"" (awaiting), approved, rejected, returned or not_needed.')
    decided_at: dt.datetime | None
    comment: str


class StepOut(Schema):
    order: int
    label: str
    mode: str = Field(..., description="any (或签: one approval completes the step) or all (会签).")
    status: str = Field(..., description="waiting, pending, approved, rejected, returned or cancelled.")
    started_at: dt.datetime | None
    decided_at: dt.datetime | None
    approvers: list[AssignmentOut]

    @staticmethod
    def resolve_label(obj: Any) -> str:
        return obj.display_label

    @staticmethod
    def resolve_approvers(obj: Any) -> list[Any]:
        return list(obj.assignments.all())


class ActionOut(Schema):
    action: str = Field(..., description="submit, approve, reject, return, withdraw or remind.")
    actor: UserRef | None
    on_behalf_of: UserRef | None
    step: int | None = Field(None, description="The step's order, when the action belongs to one.")
    comment: str
    at: dt.datetime

    @staticmethod
    def resolve_step(obj: Any) -> int | None:
        return obj.step.order if obj.step_id else None


class RequestOut(Schema):
    id: int
    kind: str
    kind_label: str
    object_id: int = Field(..., description="The document's id in its own app.")
    title: str
    amount: Decimal | None
    currency: str
    applicant: UserRef
    status: RequestStatus
    current_step: int | None = Field(None, description="Order of the step waiting for a decision (open only).")
    explanation: str
    submitted_at: dt.datetime
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return kind_label(obj.kind)

    @staticmethod
    def resolve_current_step(obj: Any) -> int | None:
        return obj.current_step if obj.is_open else None


class RequestDetailOut(RequestOut):
    facts: dict[str, Any]
    rule_name: str = Field(..., description="The rule that routed the request, in the reader's language.")
    steps: list[StepOut]
    actions: list[ActionOut]

    @staticmethod
    def resolve_rule_name(obj: Any) -> str:
        return str(obj.rule_name_text)

    @staticmethod
    def resolve_steps(obj: Any) -> list[Any]:
        return list(obj.steps.all())

    @staticmethod
    def resolve_actions(obj: Any) -> list[Any]:
        return list(obj.actions.all())


class RequestPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    items: list[RequestOut]
    limit: int
    offset: int


class InboxParams(Schema):
    box: Box = Field("pending", description="pending (待我审批), done (我已审批) or mine (我发起的).")
    kind: str = Field("", max_length=40, description="Only this document type.")


class CommentIn(InputSchema):
    comment: str = Field("", max_length=2000, description="Required to reject, return or withdraw.")


class ExplainIn(InputSchema):
    kind: str = Field(..., max_length=40)
    facts: dict[str, Any] = Field(default_factory=dict, description='e.g. {"min_discount_rate": "0.48"}')
    applicant_id: ObjectId | None = Field(None, description="Route as this user (org.admin only); default: you.")


class PlannedStepOut(Schema):
    label: str
    mode: str
    approvers: list[UserRef]


class RoutePlanOut(Schema):
    kind: str
    rule_id: int
    rule_name: str
    explanation: str
    reasons: list[str]
    steps: list[PlannedStepOut]


class ConditionIO(Schema):
    fact: str = Field(..., max_length=60)
    op: OpCode
    value: Any


class RuleStepIO(Schema):
    label: str = Field(..., max_length=100)
    approver_type: ApproverTypeCode
    codes: list[str] = Field(default_factory=list, description="Role or position codes (for role/position).")
    users: list[ObjectId] = Field(default_factory=list, description="User ids (for users).")
    same_department: bool = False
    mode: ModeCode = "any"


class RuleStepOut(RuleStepIO):
    @staticmethod
    def resolve_users(obj: Any) -> list[int]:
        return [u.pk for u in obj.users.all()]


class RuleOut(Schema):
    id: int
    kind: str
    name: str
    priority: int
    is_active: bool
    conditions: list[ConditionIO]
    steps: list[RuleStepOut]

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)

    @staticmethod
    def resolve_steps(obj: Any) -> list[Any]:
        return list(obj.steps.all())


class RuleIn(InputSchema):
    kind: str = Field(..., max_length=40)
    name: str = Field(..., min_length=1, max_length=200)
    priority: int = Field(100, ge=-100000, le=100000)
    is_active: bool = True
    conditions: list[ConditionIO] = Field(default_factory=list)
    steps: list[RuleStepIO] = Field(..., min_length=1, max_length=20)


class DelegationOut(Schema):
    id: int
    user: UserRef
    delegate: UserRef
    start_date: dt.date
    end_date: dt.date
    note: str
    is_active: bool


class DelegationIn(InputSchema):
    delegate_id: ObjectId
    start_date: dt.date
    end_date: dt.date
    note: str = Field("", max_length=200)
