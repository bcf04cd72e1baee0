"""API schemas for leads, their assignment and conversion, and the assignment rules (input and
output kept apart; choices spelled out so the OpenAPI document lists them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import WithJsonSchema

from guanxi.core.api import CountIsExact, InputSchema, ObjectId, Version
from guanxi.core.custom_fields.api import custom_values_out, custom_values_type
from guanxi.core.dictionaries.selectors import api_code
from guanxi.org.lists.custom import CUSTOM_FILTER_HELP
from guanxi.org.schemas import DepartmentRef, UserRef

from .filters import QUEUES, SORTS
from .models import Lead, LeadAssignmentRule

# Dictionary fields: codes of the customers' dictionaries, checked by the service (GET /api/v1/dictionaries/{key}).
LeadSource = api_code("customer_source")
LeadSize = api_code("company_size")
RuleSize = api_code("company_size")
Distribution = Literal[tuple(LeadAssignmentRule.Distribution.values)]  # type: ignore[valid-type]
LeadSort = Literal[tuple(SORTS)]  # type: ignore[valid-type]
Queue = Literal[tuple(key for key, _label in QUEUES)]  # type: ignore[valid-type]
NEED_MAX = 5000
CustomLead = custom_values_type("sales.lead")


def _enum_str(values: list[str]) -> Any:
    """A string documented as an enum but checked by the FilterSet (a bad value is a 400 naming the filter)."""
    return Annotated[str, WithJsonSchema({"type": "string", "enum": list(values)})]


DateStr = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]


# --- leads -----------------------------------------------------------------------------------
class LeadOut(Schema):
    id: int
    version: int = Field(..., description="Increases with every change; send it back as If-Match.")
    company_name: str
    person_name: str
    title: str
    mobile: str
    phone: str
    email: str
    wechat: str
    source: str
    province: str
    city: str
    industry: str
    size: str
    need: str
    status: str = Field(..., description="new, valid, invalid, assigned, following, converted or lost.")
    owner: UserRef | None
    created_by: UserRef | None = Field(None, description="Empty for leads from the public web form.")
    screened_by: UserRef | None
    screened_at: dt.datetime | None
    invalid_reason: str
    assigned_by: UserRef | None = Field(None, description="Empty when the rules job assigned it.")
    assigned_at: dt.datetime | None
    assigned_rule_id: int | None = Field(None, description="The assignment rule that assigned it, if any.")
    lost_reason: str
    converted_at: dt.datetime | None
    converted_customer_id: int | None
    converted_contact_id: int | None
    converted_opportunity_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    custom: CustomLead = Field(default_factory=dict)
    resolve_custom = staticmethod(custom_values_out("sales.lead"))


class LeadPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[LeadOut]


class LeadFilters(Schema):
    """The web list's filters (sales.filters.LeadFilter), plus `sort`."""

    q: str | None = Field(None, max_length=100, description="Company, person, pinyin, phone, e-mail or WeChat.")
    queue: Queue | None = Field(
        None, description="screen: new; unassigned: valid without owner; mine: yours; all (default)."
    )
    status: list[_enum_str(Lead.Status.values)] | None = Field(None, description="Repeat for several.")
    source: list[api_code("customer_source", check=False)] | None = Field(None, description="Repeat for several.")
    province: str | None = Field(None, max_length=30)
    industry: str | None = Field(None, max_length=50)
    size: api_code("company_size", check=False) | None = None
    owner: ObjectId | None = Field(None, description="Owner's user id.")
    unowned: bool | None = Field(None, description="true: only leads without an owner.")
    created_after: DateStr | None = Field(None, description="Created on or after this day.")
    created_before: DateStr | None = Field(None, description="Created on or before this day.")
    sort: LeadSort = Field("-created", description="Sort key; a leading '-' sorts descending.")
    custom: list[str] | None = Field(None, description=CUSTOM_FILTER_HELP)


class _LeadFields(InputSchema):
    company_name: str = Field("", max_length=200)
    person_name: str = Field("", max_length=100)
    title: str = Field("", max_length=100, description="The person's job title.")
    mobile: str = Field("", max_length=30)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    wechat: str = Field("", max_length=60)
    source: LeadSource = "other"
    province: str = Field("", max_length=30)
    city: str = Field("", max_length=30)
    industry: str = Field("", max_length=50)
    size: LeadSize = ""
    need: str = Field("", max_length=NEED_MAX)
    custom: CustomLead | None = Field(None, description="Custom field values by code (null clears one).")


class LeadIn(_LeadFields):
    """A new lead: a company or a person, and at least one of mobile, phone, e-mail or WeChat."""

    owner_id: ObjectId | None = Field(
        None, description="Assign it at once (needs leads.assign); empty: it waits in the screening queue."
    )


class LeadPatch(InputSchema):
    company_name: str | None = Field(None, max_length=200)
    person_name: str | None = Field(None, max_length=100)
    title: str | None = Field(None, max_length=100)
    mobile: str | None = Field(None, max_length=30)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    wechat: str | None = Field(None, max_length=60)
    source: LeadSource | None = None
    province: str | None = Field(None, max_length=30)
    city: str | None = Field(None, max_length=30)
    industry: str | None = Field(None, max_length=50)
    size: LeadSize | None = None
    need: str | None = Field(None, max_length=NEED_MAX)
    version: Version | None = None
    custom: CustomLead | None = Field(None, description="Custom field values by code (null clears one).")


class LeadScreenIn(InputSchema):
    valid: bool
    reason: str = Field("", max_length=300, description="Required when the lead is invalid.")


class LeadLoseIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=300)


class LeadAssignIn(InputSchema):
    ids: list[ObjectId] = Field(..., min_length=1, max_length=1000, description="Lead ids.")
    assignee_id: ObjectId


class LeadAssignOut(Schema):
    assigned: list[int] = Field(..., description="Leads now owned by the assignee.")
    skipped: list[int] = Field(
        ..., description="Leads out of your reach, closed, invalid, or owned by the assignee already."
    )


class LeadAssignByRulesIn(InputSchema):
    ids: list[ObjectId] | None = Field(
        None, max_length=1000, description="Lead ids; omit for every unassigned new or valid lead you can assign."
    )


class LeadRuleOutcomeOut(Schema):
    lead_id: int
    assignee: UserRef | None
    rule_id: int | None
    result: Literal["assigned", "at_capacity", "no_rule"] = Field(
        ..., description="at_capacity: a rule matched but all its reps are at the cap."
    )


class LeadConvertIn(InputSchema):
    """Turn the lead into a customer (+ a contact from the person fields, + optionally an opportunity)."""

    name: str | None = Field(None, max_length=200, description="The customer's name; default: the lead's company.")
    credit_code: str | None = Field(None, max_length=18, description="The customer's unified social credit code.")
    create_opportunity: bool = False
    opportunity_name: str | None = Field(None, max_length=200, description="Default: the customer's name.")
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2, description="CNY.")
    expected_close_date: dt.date | None = None
    version: Version | None = None


class LeadConvertOut(Schema):
    lead: LeadOut
    customer_id: int
    contact_id: int | None
    opportunity_id: int | None


# --- assignment rules ------------------------------------------------------------------------
class LeadRuleOut(Schema):
    id: int
    version: int
    name: str
    priority: int = Field(..., description="Lower numbers are tried first.")
    is_active: bool
    provinces: list[str]
    industries: list[str]
    sizes: list[str]
    sources: list[str]
    target_user: UserRef | None
    target_department: DepartmentRef | None
    distribution: str
    max_open_leads: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class LeadRuleIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    priority: int | None = Field(None, ge=0, le=1_000_000, description="Default: after the last rule.")
    is_active: bool = True
    provinces: list[Annotated[str, Field(max_length=30)]] = Field(default_factory=list, max_length=100)
    industries: list[Annotated[str, Field(max_length=50)]] = Field(default_factory=list, max_length=100)
    sizes: list[RuleSize] = Field(default_factory=list)
    sources: list[LeadSource] = Field(default_factory=list)
    target_user_id: ObjectId | None = Field(None, description="Give either a user…")
    target_department_id: ObjectId | None = Field(None, description="…or a team (department).")
    distribution: Distribution = "round_robin"
    max_open_leads: int | None = Field(None, ge=1, le=1_000_000, description="Empty: no cap.")


class LeadRulePatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    priority: int | None = Field(None, ge=0, le=1_000_000)
    is_active: bool | None = None
    provinces: list[Annotated[str, Field(max_length=30)]] | None = Field(None, max_length=100)
    industries: list[Annotated[str, Field(max_length=50)]] | None = Field(None, max_length=100)
    sizes: list[RuleSize] | None = None
    sources: list[LeadSource] | None = None
    target_user_id: ObjectId | None = None
    target_department_id: ObjectId | None = None
    distribution: Distribution | None = None
    max_open_leads: int | None = Field(None, ge=1, le=1_000_000)
    version: Version | None = None
