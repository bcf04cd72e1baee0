"""API schemas of duplicate protection: the check, conflicts, duplicate groups, merges and rules."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from guanxi.core.api import CountIsExact, InputSchema, ObjectId
from guanxi.org.schemas import UserRef

from ..models import Customer, CustomerKey, DedupeRule, RegistrationConflict
from .services import CONTACT_MERGE_FIELDS, MERGE_FIELDS

KeyKind = Literal[tuple(CustomerKey.Kind.values)]  # type: ignore[valid-type]
RuleAction = Literal[tuple(DedupeRule.Action.values)]  # type: ignore[valid-type]
ConflictStatus = Literal[(*RegistrationConflict.Status.values, "all")]  # type: ignore[valid-type]
CustomerKind = Literal[tuple(Customer.Kind.values)]  # type: ignore[valid-type]
MergeField = Literal[MERGE_FIELDS]  # type: ignore[valid-type]
CustomMergeField = Annotated[str, StringConstraints(pattern=r"^custom\.[-a-zA-Z0-9_]{1,40}$")]
ContactMergeField = Literal[CONTACT_MERGE_FIELDS]  # type: ignore[valid-type]


# --- the check -------------------------------------------------------------------------------
class ContactProbeIn(InputSchema):
    mobile: str = Field("", max_length=30)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)


class CheckIn(InputSchema):
    kind: CustomerKind = "company"
    name: str = Field("", max_length=200)
    credit_code: str = Field("", max_length=18)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    contacts: list[ContactProbeIn] = Field(default_factory=list, max_length=50)
    exclude_customer_id: ObjectId | None = Field(None, description="The customer being edited (not its own duplicate).")


class MatchOut(Schema):
    kind: str = Field(..., description="The match key: name, credit_code, phone or email.")
    field: str = Field(..., description="The entered field that matched (contacts.N.mobile for a contact).")
    value: str = Field(..., description="The normalised key.")
    action: str = Field(..., description="block: the entry would be refused; warn: allowed after confirming.")
    customer_id: int | None = Field(None, description="Null when you may not see the customer.")
    customer_name: str | None = None
    owner_name: str | None = None
    in_pool: bool
    similarity: int | None = Field(None, description="0-100 for a similar name (possible duplicate).")
    message: str


class CheckOut(Schema):
    blocked: bool = Field(..., description="A create with these values would be refused (409 duplicate_blocked).")
    needs_confirmation: bool = Field(
        ..., description="A create would answer 409 duplicate_warning unless confirm_warnings is true."
    )
    matches: list[MatchOut]


# --- conflicts -------------------------------------------------------------------------------
class CustomerRef(Schema):
    id: int
    name: str


class ConflictOut(Schema):
    id: int
    customer: CustomerRef
    first_owner: UserRef | None
    claimant: UserRef
    matched_on: str
    matched_value: str
    attempted: dict[str, Any]
    entry_path: str
    status: str
    decided_by: UserRef | None
    decided_at: dt.datetime | None
    decision_note: str
    created_at: dt.datetime


class ConflictPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    items: list[ConflictOut]
    limit: int
    offset: int


class ConflictFilters(Schema):
    status: ConflictStatus = "open"


class DecideIn(InputSchema):
    decision: Literal["joint", "dismiss"] = Field(
        ..., description="joint: the later registrant becomes a collaborator; dismiss: nothing changes."
    )
    note: str = Field("", max_length=300, description="Required when dismissing.")


# --- duplicate groups and merges -------------------------------------------------------------
class GroupCustomerOut(Schema):
    id: int
    name: str
    owner: UserRef | None
    created_at: dt.datetime


class GroupOut(Schema):
    kind: str
    value: str
    customers: list[GroupCustomerOut]


class GroupPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    items: list[GroupOut]
    limit: int
    offset: int


class GroupFilters(Schema):
    kind: KeyKind | None = None


class MergeIn(InputSchema):
    survivor_id: ObjectId
    merged_ids: list[ObjectId] = Field(..., min_length=1, max_length=9)
    fields: dict[MergeField | CustomMergeField, ObjectId] = Field(
        default_factory=dict,
        description="Field (a custom field as custom.<code>) → id of the customer whose value the survivor keeps "
        "(default: the survivor's).",
    )


class ContactMergeIn(InputSchema):
    survivor_id: ObjectId
    merged_ids: list[ObjectId] = Field(..., min_length=1, max_length=4)
    fields: dict[ContactMergeField | CustomMergeField, ObjectId] = Field(
        default_factory=dict,
        description="Field (a custom field as custom.<code>) → id of the contact whose value the survivor keeps "
        "(default: the survivor's).",
    )


class MergeOut(Schema):
    id: int
    survivor: CustomerRef
    merged_ids: list[int]
    moved: dict[str, int] = Field(
        ...,
        description="How many rows moved to the survivor, per kind (contacts, follow_ups, tasks, opportunities, "
        "quotes, contracts, execution_orders, implementation_orders, expense_claims, approval_requests, …); "
        "kinds with nothing to move are left out.",
    )
    created_at: dt.datetime
    undone_at: dt.datetime | None

    @staticmethod
    def resolve_moved(obj: Any) -> dict[str, int]:
        return {k: int(v) for k, v in ((obj.snapshot or {}).get("counts") or {}).items()}


# --- rules -----------------------------------------------------------------------------------
class DedupeRuleOut(Schema):
    kind: str
    action: str
    similarity: int = Field(..., description="Names: similarity (50-100) from which a name is a possible duplicate.")


class DedupeRuleIn(InputSchema):
    kind: KeyKind
    action: RuleAction | None = None
    similarity: int | None = Field(None, ge=50, le=100)


class RulesIn(InputSchema):
    rules: list[DedupeRuleIn] = Field(..., min_length=1, max_length=4)
