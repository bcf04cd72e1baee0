"""API schemas for customers, contacts, follow-ups, tasks and search. Input and output are separate
classes; choices are spelled out as enums so the OpenAPI document lists them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, WithJsonSchema

from guanxi.core.api import CountIsExact, InputSchema, ObjectId, Version
from guanxi.core.custom_fields.api import custom_values_out, custom_values_type
from guanxi.core.dictionaries.selectors import api_code
from guanxi.core.files import download_url
from guanxi.core.inputs import LONG_TEXT_MAX
from guanxi.org.lists.custom import CUSTOM_FILTER_HELP
from guanxi.org.schemas import DepartmentRef, UserRef

from .filters import CONTACT_SORTS, SORTS
from .models import Customer

# Literal[...] of the model's choice values (inline enums; no clashing component names).
CustomerKind = Literal[tuple(Customer.Kind.values)]  # type: ignore[valid-type]
# Dictionary fields (数据字典): a code of the dictionary, checked by the service (an unknown or retired code is a
# 400 naming the field); the entries are listed by GET /api/v1/dictionaries/{key}.
CustomerLevel = api_code("customer_level")
CustomerStatus = api_code("customer_status")
CustomerSize = api_code("company_size")
CustomerSource = api_code("customer_source")
Industry = api_code("industry")
CustomerReview = Literal[tuple(Customer.Review.values)]  # type: ignore[valid-type]
FollowUpMethod = api_code("follow_up_method")
CustomerSort = Literal[tuple(SORTS)]  # type: ignore[valid-type]
ContactSort = Literal[tuple(CONTACT_SORTS)]  # type: ignore[valid-type]

TEXT_MAX = LONG_TEXT_MAX  # remarks and follow-up content
CustomCustomer = custom_values_type("customers.customer")
CustomContact = custom_values_type("customers.contact")


def _enum_str(values: list[str]) -> Any:
    """A string documented as an enum but checked by the FilterSet, so a bad value is a 400 naming the
    filter, exactly as in the web list."""
    return Annotated[str, WithJsonSchema({"type": "string", "enum": list(values)})]


DateStr = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]


class TagOut(Schema):
    id: int
    name: str
    color: str


# --- customers -------------------------------------------------------------------------------
class CustomerOut(Schema):
    id: int
    version: int = Field(..., description="Increases with every change; send it back as If-Match.")
    kind: str
    name: str
    credit_code: str
    industry: str
    province: str
    city: str
    size: str
    source: str
    level: str
    status: str
    owner: UserRef | None
    department: DepartmentRef | None
    tags: list[TagOut]
    phone: str
    email: str
    website: str
    address: str
    remarks: str
    last_contact_at: dt.datetime | None
    next_follow_up_on: dt.date | None
    review_status: str
    review_reason: str
    created_at: dt.datetime
    updated_at: dt.datetime
    custom: CustomCustomer = Field(default_factory=dict)
    resolve_custom = staticmethod(custom_values_out("customers.customer"))

    @staticmethod
    def resolve_tags(obj: Any) -> list[Any]:
        attached = getattr(obj, "tag_list", None)  # selectors.tags_attach (the list endpoint)
        return list(obj.tags.all()) if attached is None else attached


class CustomerDetailOut(CustomerOut):
    collaborators: list[UserRef]
    created_by: UserRef | None

    @staticmethod
    def resolve_collaborators(obj: Any) -> list[Any]:
        return list(obj.collaborators.all())


class CustomerPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[CustomerOut]


class CustomerFilters(Schema):
    """The web list's filters (customers.filters.CustomerFilter), plus `sort`."""

    q: str | None = Field(None, description="Name, pinyin, initials, phone, e-mail or credit code.")
    scene: Literal["mine", "subordinates", "collaborating", "all"] | None = None
    owner: ObjectId | None = Field(None, description="Owner's user id.")
    department: ObjectId | None = Field(None, description="Department id (sub-departments included).")
    level: list[api_code("customer_level", check=False)] | None = Field(None, description="Repeat for several.")
    status: list[api_code("customer_status", check=False)] | None = Field(None, description="Repeat for several.")
    source: list[api_code("customer_source", check=False)] | None = Field(None, description="Repeat for several.")
    kind: _enum_str(Customer.Kind.values) | None = None
    size: api_code("company_size", check=False) | None = None
    review_status: _enum_str(Customer.Review.values) | None = None
    industry: str | None = None
    province: str | None = None
    city: str | None = None
    tag: list[ObjectId] | None = Field(None, description="Tag ids; a customer must carry all of them.")
    last_contact_after: DateStr | None = Field(None, description="Last contact on or after this day.")
    last_contact_before: DateStr | None = Field(None, description="Last contact on or before this day.")
    no_contact_days: int | None = Field(None, ge=0, le=36_500, description="No contact for at least this many days.")
    created_after: DateStr | None = Field(None, description="Created on or after this day.")
    created_before: DateStr | None = Field(None, description="Created on or before this day.")
    next_follow_up_before: DateStr | None = Field(None, description="Next follow-up due by this day.")
    custom: list[str] | None = Field(None, description=CUSTOM_FILTER_HELP)
    sort: CustomerSort = Field("-updated", description="Sort key; a leading '-' sorts descending.")


class CustomerIn(InputSchema):
    kind: CustomerKind = "company"
    name: str = Field(..., min_length=1, max_length=200)
    credit_code: str = Field("", max_length=18, description="Unified social credit code (18 characters).")
    industry: Industry = ""
    province: str = Field("", max_length=30)
    city: str = Field("", max_length=30)
    size: CustomerSize = ""
    source: CustomerSource = ""
    level: CustomerLevel = "C"
    status: CustomerStatus = "potential"
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    website: str = Field("", max_length=200)
    address: str = Field("", max_length=300)
    remarks: str = Field("", max_length=TEXT_MAX)
    next_follow_up_on: dt.date | None = None
    owner_id: ObjectId | None = Field(None, description="Defaults to you; someone else needs customers.assign.")
    collaborator_ids: list[ObjectId] = Field(default_factory=list, max_length=100)
    tag_ids: list[ObjectId] = Field(default_factory=list, max_length=100)
    confirm_warnings: bool = Field(
        False, description="Create even though a possible duplicate was reported (409 duplicate_warning)."
    )
    custom: CustomCustomer | None = Field(None, description="Custom field values by code (null clears one).")


class CustomerPatch(InputSchema):
    """Only the fields sent are changed. The owner changes through /customers/transfer."""

    kind: CustomerKind | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    credit_code: str | None = Field(None, max_length=18)
    industry: Industry | None = None
    province: str | None = Field(None, max_length=30)
    city: str | None = Field(None, max_length=30)
    size: CustomerSize | None = None
    source: CustomerSource | None = None
    level: CustomerLevel | None = None
    status: CustomerStatus | None = None
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    website: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=300)
    remarks: str | None = Field(None, max_length=TEXT_MAX)
    next_follow_up_on: dt.date | None = None
    collaborator_ids: list[ObjectId] | None = Field(None, max_length=100)
    tag_ids: list[ObjectId] | None = Field(None, max_length=100)
    confirm_warnings: bool = Field(
        False, description="Save even though a possible duplicate was reported (409 duplicate_warning)."
    )
    version: Version | None = None
    custom: CustomCustomer | None = Field(None, description="Custom field values by code (null clears one).")


class TransferIn(InputSchema):
    ids: list[ObjectId] = Field(..., min_length=1, max_length=1000, description="Customer ids.")
    owner_id: ObjectId = Field(..., description="The new owner's user id.")
    keep_as_collaborator: bool = Field(False, description="Keep each previous owner as a collaborator.")


class TransferOut(Schema):
    moved: int
    skipped: int = Field(..., description="Ids out of your reach, unknown, or already with the new owner.")


class ReviewIn(InputSchema):
    approve: bool
    reason: str = Field("", max_length=300, description="Required when rejecting.")


class ExportParams(Schema):
    format: Literal["csv", "xlsx"] = Field("csv", description="csv (UTF-8 with BOM) or xlsx.")


# --- contacts --------------------------------------------------------------------------------
class ContactOut(Schema):
    id: int
    version: int
    customer_id: int
    name: str
    title: str
    mobile: str
    phone: str
    email: str
    wechat: str
    birthday: dt.date | None
    is_decision_maker: bool
    is_primary: bool
    remarks: str
    created_at: dt.datetime
    updated_at: dt.datetime
    custom: CustomContact = Field(default_factory=dict)
    resolve_custom = staticmethod(custom_values_out("customers.contact"))


class ContactPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[ContactOut]


class ContactFilters(Schema):
    q: str | None = Field(None, description="Name, pinyin, phone, e-mail or WeChat.")
    customer: ObjectId | None = Field(None, description="Customer id.")
    owner: ObjectId | None = Field(None, description="The customer's owner (user id).")
    is_decision_maker: bool | None = None
    custom: list[str] | None = Field(None, description=CUSTOM_FILTER_HELP)
    sort: ContactSort | None = Field(
        None, description="name or updated, '-' for descending. Default: by name; a customer's contacts primary first."
    )


class ContactIn(InputSchema):
    customer_id: ObjectId
    name: str = Field(..., min_length=1, max_length=100)
    title: str = Field("", max_length=100)
    mobile: str = Field("", max_length=30)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    wechat: str = Field("", max_length=60)
    birthday: dt.date | None = None
    is_decision_maker: bool = False
    is_primary: bool = False
    remarks: str = Field("", max_length=TEXT_MAX)
    custom: CustomContact | None = Field(None, description="Custom field values by code (null clears one).")


class ContactPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    title: str | None = Field(None, max_length=100)
    mobile: str | None = Field(None, max_length=30)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    wechat: str | None = Field(None, max_length=60)
    birthday: dt.date | None = None
    is_decision_maker: bool | None = None
    is_primary: bool | None = None
    remarks: str | None = Field(None, max_length=TEXT_MAX)
    version: Version | None = None
    custom: CustomContact | None = Field(None, description="Custom field values by code (null clears one).")


# --- follow-ups ------------------------------------------------------------------------------
class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    url: str = Field(..., description="Download link (session or API token of a reader who may see the follow-up).")

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return download_url(obj, "file")


class FollowUpOut(Schema):
    id: int
    version: int
    customer_id: int
    contact_id: int | None
    author: UserRef
    occurred_at: dt.datetime
    method: str
    content: str
    result: str
    next_step: str
    next_follow_up_on: dt.date | None
    attachments: list[AttachmentOut]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_attachments(obj: Any) -> list[Any]:
        return list(obj.attachments.all())


class FollowUpPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[FollowUpOut]


class FollowUpFilters(Schema):
    customer: ObjectId | None = Field(None, description="Customer id.")
    author: ObjectId | None = Field(None, description="Author's user id.")
    method: list[api_code("follow_up_method", check=False)] | None = Field(None, description="Repeat for several.")
    after: DateStr | None = Field(None, description="On or after this day.")
    before: DateStr | None = Field(None, description="On or before this day.")


class FollowUpIn(InputSchema):
    customer_id: ObjectId
    contact_id: ObjectId | None = Field(None, description="A contact of this customer.")
    occurred_at: AwareDatetime | None = Field(None, description="When it happened (default: now); not in the future.")
    method: FollowUpMethod = "phone"
    content: str = Field(..., min_length=1, max_length=TEXT_MAX)
    result: str = Field("", max_length=300)
    next_step: str = Field("", max_length=300)
    next_follow_up_on: dt.date | None = None


class FollowUpPatch(InputSchema):
    contact_id: ObjectId | None = None
    occurred_at: AwareDatetime | None = None
    method: FollowUpMethod | None = None
    content: str | None = Field(None, min_length=1, max_length=TEXT_MAX)
    result: str | None = Field(None, max_length=300)
    next_step: str | None = Field(None, max_length=300)
    next_follow_up_on: dt.date | None = None
    version: Version | None = None


# --- tasks -----------------------------------------------------------------------------------
class TaskOut(Schema):
    id: int
    version: int
    title: str
    description: str
    due_at: dt.datetime
    assignee: UserRef
    customer_id: int | None
    done: bool
    done_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class TaskPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[TaskOut]


class TaskFilters(Schema):
    assignee: ObjectId | None = Field(None, description="Assignee's user id.")
    customer: ObjectId | None = Field(None, description="Customer id.")
    done: bool | None = None
    due_before: DateStr | None = Field(None, description="Due on or before this day.")
    due_after: DateStr | None = Field(None, description="Due on or after this day.")


class TaskIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=TEXT_MAX)
    due_at: AwareDatetime
    customer_id: ObjectId | None = None
    assignee_id: ObjectId | None = Field(None, description="Defaults to you; someone else needs tasks.assign.")


class TaskPatch(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=TEXT_MAX)
    due_at: AwareDatetime | None = None
    customer_id: ObjectId | None = None
    done: bool | None = None
    version: Version | None = None


class TaskDoneIn(InputSchema):
    done: bool = True
    version: Version | None = None


# --- 360 and search --------------------------------------------------------------------------
class ChangeRowOut(Schema):
    field: str = Field(..., description="The field's name, e.g. level.")
    label: str = Field(..., description="The field's label in the reader's language.")
    old: str
    new: str


class TimelineEventOut(Schema):
    kind: str = Field(..., description="followup, task or change (other apps may add kinds).")
    at: dt.datetime
    actor: UserRef | None
    title: str
    text: str = ""
    object_type: str = Field("", description="e.g. customers.followup")
    object_id: str = ""
    changes: dict[str, Any] = Field(
        default_factory=dict,
        description="For changes: field → [old, new] as stored (related rows by id); a value the reader may not "
        "see is null.",
    )
    change_rows: list[ChangeRowOut] = Field(
        default_factory=list,
        description="For changes: each field change as the reader reads it (label, old and new shown as text, "
        "related rows by name, “(hidden)” where the reader may not see the value).",
    )

    # The timeline selector yields {"kind", "at", "obj", "actor"} dicts; these read the row in `obj`.
    @staticmethod
    def resolve_title(event: dict[str, Any]) -> str:
        obj, kind = event.get("obj"), event.get("kind")
        if event.get("title"):
            return str(event["title"])
        if kind == "followup":
            return str(obj.get_method_display())
        if kind == "change":
            model = obj.content_type.name if obj.content_type_id else ""
            return " · ".join(filter(None, [str(obj.get_action_display()), str(model), obj.object_repr]))
        return str(obj or "")

    @staticmethod
    def resolve_text(event: dict[str, Any]) -> str:
        obj, kind = event.get("obj"), event.get("kind")
        if event.get("text"):
            return str(event["text"])
        if kind == "followup":
            return obj.content
        if kind == "task":
            return obj.description
        if kind == "change":
            return obj.message_text
        return ""

    @staticmethod
    def resolve_object_type(event: dict[str, Any]) -> str:
        obj = event.get("obj")
        if event.get("kind") == "change":
            ct = obj.content_type
            return f"{ct.app_label}.{ct.model}" if ct else ""
        meta = getattr(obj, "_meta", None)
        return meta.label_lower if meta else ""

    @staticmethod
    def resolve_object_id(event: dict[str, Any]) -> str:
        obj = event.get("obj")
        if event.get("kind") == "change":
            return obj.object_id
        return str(getattr(obj, "pk", "") or "")

    @staticmethod
    def resolve_changes(event: dict[str, Any]) -> dict[str, Any]:
        if event.get("kind") != "change":
            return {}
        return {row.field: [row.old_value, row.new_value] for row in getattr(event["obj"], "change_rows", [])}

    @staticmethod
    def resolve_change_rows(event: dict[str, Any]) -> list[Any]:
        return list(getattr(event["obj"], "change_rows", [])) if event.get("kind") == "change" else []


class Customer360Out(Schema):
    customer: CustomerDetailOut
    contacts: list[ContactOut]
    timeline: list[TimelineEventOut] = Field(..., description="Newest first.")


class SearchHitOut(Schema):
    kind: str
    title: str
    subtitle: str = ""
    url: str = ""


class SearchGroupOut(Schema):
    key: str
    label: str
    hits: list[SearchHitOut]

    @staticmethod
    def resolve_label(group: dict[str, Any]) -> str:
        return str(group["label"])  # a lazy translation in the registry


class SearchOut(Schema):
    query: str
    groups: list[SearchGroupOut]


class SearchParams(Schema):
    q: str = Field(..., max_length=100, description="What to look for (pinyin and initials work).")
    limit: int = Field(8, ge=1, le=50, description="Hits per group.")
