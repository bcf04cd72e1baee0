"""API schemas for reading opportunities, their stage history, pipelines and the funnel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime

from guanxi.core.api import CountIsExact, InputSchema, ObjectId, Version
from guanxi.core.custom_fields.api import custom_values_out, custom_values_type
from guanxi.core.dictionaries.selectors import api_code
from guanxi.core.files import download_url
from guanxi.core.money import AMOUNT_DIGITS, AMOUNT_MAX
from guanxi.customers.schemas import TEXT_MAX, FollowUpMethod
from guanxi.org.lists.custom import CUSTOM_FILTER_HELP
from guanxi.org.schemas import DepartmentRef, UserRef

from .filters import SORTS
from .models import Opportunity

OpportunitySort = Literal[tuple(SORTS)]  # type: ignore[valid-type]
OpportunityStatus = Literal[tuple(Opportunity.Status.values)]  # type: ignore[valid-type]
PeriodKind = Literal["month", "quarter", "year", "custom"]
CustomOpportunity = custom_values_type("sales.opportunity")


class StageOut(Schema):
    id: int
    name: str
    kind: str = Field(..., description="open, won or lost.")
    sort_order: int
    probability: int
    stall_days: int | None
    required_fields: list[str]
    is_active: bool

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)


class PipelineOut(Schema):
    id: int
    name: str
    is_default: bool
    stages: list[StageOut]

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)

    @staticmethod
    def resolve_stages(obj: Any) -> list[Any]:
        return sorted(obj.stages.all(), key=lambda s: (s.sort_order, s.pk))


class StageRef(Schema):
    COLUMNS: ClassVar[tuple[str, ...]] = ("id", "name")  # (core.schema_columns)
    id: int
    name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)


class CustomerRef(Schema):
    COLUMNS: ClassVar[tuple[str, ...]] = ("id", "name")  # (core.schema_columns)
    id: int
    name: str


class StageChangeOut(Schema):
    from_stage: StageRef | None = Field(None, description="Empty for the creation.")
    to_stage: StageRef
    at: dt.datetime
    by: UserRef | None
    seconds_in_from_stage: int | None


class OpportunityOut(Schema):
    id: int
    version: int
    name: str
    customer: CustomerRef
    owner: UserRef
    department: DepartmentRef | None
    amount: Decimal
    currency: str
    expected_close_date: dt.date | None
    pipeline: StageRef
    stage: StageRef
    stage_entered_at: dt.datetime
    probability: int
    forecast_category: str
    status: str = Field(..., description="open, won or lost.")
    closed_at: dt.datetime | None
    source: str
    next_step: str
    created_at: dt.datetime
    updated_at: dt.datetime
    custom: CustomOpportunity = Field(default_factory=dict)
    resolve_custom = staticmethod(custom_values_out("sales.opportunity"))


class ContactRoleOut(Schema):
    contact_id: int
    name: str
    role: str = Field(..., description="decision_maker, influencer, user or other.")

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return obj.contact.name


class LineOut(Schema):
    description: str
    quantity: Decimal
    unit_price: Decimal


class DocumentOut(Schema):
    id: int
    name: str
    size: int
    stage: StageRef | None
    uploaded_by: UserRef | None
    created_at: dt.datetime
    url: str = Field(..., description="Download link (session or API token of a reader who may see the deal).")

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return download_url(obj, "file")


class OpportunityDetailOut(OpportunityOut):
    description: str
    stage_history: list[StageChangeOut]
    contact_roles: list[ContactRoleOut]
    lines: list[LineOut]
    collaborators: list[UserRef]
    competitors: list[StageRef] = Field(..., description="Competitors met in the deal (id, name).")
    documents: list[DocumentOut] = Field(..., description="Stage documents given to the customer.")

    @staticmethod
    def resolve_contact_roles(obj: Any) -> list[Any]:
        return list(obj.contact_roles.select_related("contact").order_by("id"))

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())

    @staticmethod
    def resolve_collaborators(obj: Any) -> list[Any]:
        return list(obj.collaborators.all())

    @staticmethod
    def resolve_competitors(obj: Any) -> list[Any]:
        return list(obj.competitors.all())

    @staticmethod
    def resolve_documents(obj: Any) -> list[Any]:
        return list(obj.documents.select_related("stage", "uploaded_by"))

    @staticmethod
    def resolve_stage_history(obj: Any) -> list[Any]:
        return list(obj.stage_changes.select_related("from_stage", "to_stage", "by").order_by("at", "id"))


class OpportunityPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    items: list[OpportunityOut]
    limit: int
    offset: int


class OpportunityFilters(Schema):
    q: str | None = Field(
        None, max_length=100, description="Deal name, pinyin or initials, or its customer's name, pinyin, phone…"
    )
    pipeline: ObjectId | None = None
    stage: ObjectId | None = None
    owner: ObjectId | None = None
    status: OpportunityStatus | None = None
    expected_from: dt.date | None = Field(None, description="Expected signing date on or after.")
    expected_to: dt.date | None = Field(None, description="Expected signing date on or before.")
    sort: OpportunitySort = Field("-created", description="Sort key; a leading '-' sorts descending.")
    custom: list[str] | None = Field(None, description=CUSTOM_FILTER_HELP)


class FunnelParams(Schema):
    period: PeriodKind = Field("month", description="The month, quarter or year of today, or custom dates.")
    date_from: dt.date | None = Field(None, description="With period=custom: first day.")
    date_to: dt.date | None = Field(None, description="With period=custom: last day (inclusive).")
    pipeline: ObjectId | None = Field(None, description="Default: the default pipeline.")
    department: ObjectId | None = Field(None, description="Its whole sub-tree.")
    owner: ObjectId | None = None


class FunnelStageOut(Schema):
    stage: StageRef
    entered: int = Field(..., description="Opportunities that entered (or skipped through) the stage in the period.")
    amount: Decimal
    onward: int = Field(..., description="Of those, how many went on to the next stage in the period.")
    conversion: float | None = Field(..., description="onward / entered (0–1); empty when none entered.")
    average_seconds: float | None = Field(..., description="Average completed stay in the stage.")
    stalled: int


class FunnelOut(Schema):
    pipeline: StageRef
    date_from: dt.date
    date_to: dt.date
    stages: list[FunnelStageOut]
    won: int
    lost: int
    won_amount: Decimal
    win_rate: float | None = Field(..., description="won / (won + lost) closed in the period (0–1).")
    average_deal_size: Decimal | None
    average_cycle_days: float | None = Field(..., description="Created → won, in days.")
    stalled: int

    @staticmethod
    def resolve_date_from(obj: Any) -> dt.date:
        return obj.period.date_from

    @staticmethod
    def resolve_date_to(obj: Any) -> dt.date:
        return obj.period.date_to


# --- writes ------------------------------------------------------------------------------------
ForecastCategory = Literal[tuple(Opportunity.ForecastCategory.values)]  # type: ignore[valid-type]
OpportunitySource = api_code("opportunity_source")
Amount = Annotated[Decimal, Field(ge=0, lt=AMOUNT_MAX, max_digits=AMOUNT_DIGITS, decimal_places=2)]


class ContactRoleIn(InputSchema):
    contact_id: ObjectId
    role: Literal["decision_maker", "influencer", "user", "other"] = "other"


class LineIn(InputSchema):
    description: str = Field(..., min_length=1, max_length=200)
    quantity: Annotated[Decimal, Field(gt=0, lt=Decimal("1e10"), decimal_places=2)] = Decimal(1)
    unit_price: Amount = Decimal(0)


class _OpportunityFields(InputSchema):
    name: str | None = Field(None, max_length=200, description="Default: the customer's name.")
    contact_id: ObjectId | None = Field(None, description="A contact of the customer.")
    amount: Amount | None = None
    expected_close_date: dt.date | None = Field(None, description="Expected signing date.")
    next_step: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=10000)
    forecast_category: ForecastCategory | None = None
    probability: int | None = Field(None, ge=0, le=100, description="Default: the stage's probability.")
    collaborator_ids: list[ObjectId] | None = Field(None, max_length=50)
    competitor_ids: list[ObjectId] | None = Field(None, max_length=50)
    contacts: list[ContactRoleIn] | None = Field(
        None, max_length=50, description="Replaces the deal's contact roles (contacts of its customer)."
    )
    lines: list[LineIn] | None = Field(None, max_length=200, description="Replaces the deal's product lines.")
    custom: CustomOpportunity | None = Field(None, description="Custom field values by code (null clears one).")


class OpportunityIn(_OpportunityFields):
    """A new deal for a customer you may see; it starts in the first open stage of the pipeline."""

    customer_id: ObjectId
    pipeline_id: ObjectId | None = Field(None, description="Default: the default pipeline.")
    owner_id: ObjectId | None = Field(None, description="Default: you (another owner needs opportunities.assign).")
    source: OpportunitySource | None = None


class OpportunityPatch(_OpportunityFields):
    version: Version | None = None


class OpportunityMoveIn(InputSchema):
    stage_id: ObjectId
    version: Version | None = None


class OpportunityCloseIn(InputSchema):
    outcome: Literal["won", "lost"]
    lost_reason_id: ObjectId | None = Field(None, description="Required when the deal was lost.")
    lost_to_id: ObjectId | None = Field(None, description="The competitor who won it.")
    note: str = Field("", max_length=500)
    version: Version | None = None


class OpportunityExportParams(Schema):
    format: Literal["csv", "xlsx"] = "csv"


class OpportunityFollowUpIn(InputSchema):
    """A follow-up on the deal's customer, linked to the deal (the customers' rules apply)."""

    contact_id: ObjectId | None = Field(None, description="A contact of the deal's customer.")
    occurred_at: AwareDatetime | None = Field(None, description="When it happened (default: now); not in the future.")
    method: FollowUpMethod = "phone"
    content: str = Field(..., min_length=1, max_length=TEXT_MAX)
    result: str = Field("", max_length=300)
    next_step: str = Field("", max_length=300)
    next_follow_up_on: dt.date | None = None


class OpportunityTaskIn(InputSchema):
    """A task about the deal: a task for its customer, linked to the deal."""

    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=TEXT_MAX)
    due_at: AwareDatetime
    assignee_id: ObjectId | None = Field(None, description="Defaults to you; someone else needs tasks.assign.")
