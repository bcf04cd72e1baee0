"""API schemas of the service app: separate In and Out schemas for assets and tickets."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema

from guanxi.core.api import CountIsExact, InputSchema, ObjectId, Version
from guanxi.core.custom_fields.api import custom_values_out, custom_values_type
from guanxi.core.dictionaries.selectors import api_code
from guanxi.org.lists.custom import CUSTOM_FILTER_HELP
from guanxi.org.schemas import UserRef

from .models import Asset, Ticket

AssetStatus = Literal[tuple(Asset.Status.values)]  # type: ignore[valid-type]
TicketStatus = Literal[tuple(Ticket.Status.values)]  # type: ignore[valid-type]
Priority = Literal[tuple(Ticket.Priority.values)]  # type: ignore[valid-type]
AssetKind = api_code("asset_kind")
TicketType = api_code("ticket_type")
Channel = api_code("ticket_channel")
TicketAction = Literal["start", "wait", "resume", "resolve", "close", "reopen"]


class Ref(Schema):
    id: int
    name: str


CustomAsset = custom_values_type("service.asset")
CustomTicket = custom_values_type("service.ticket")
CUSTOM_IN = "Custom field values by code (null clears one)."


class AssetOut(Schema):
    id: int
    version: int
    customer: Ref
    kind: str
    name: str
    product_id: int | None
    serial_number: str
    plate_number: str
    policy_number: str
    previous_insurer: str
    contract_id: int | None
    order_id: int | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    status: str
    address: str
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime
    custom: CustomAsset = Field(default_factory=dict)
    resolve_custom = staticmethod(custom_values_out("service.asset"))


class AssetPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[AssetOut]


class AssetIn(InputSchema):
    customer_id: ObjectId
    kind: AssetKind = "equipment"  # type: ignore[valid-type]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    product_id: ObjectId | None = None
    serial_number: Annotated[str, Field(max_length=100)] = ""
    plate_number: Annotated[str, Field(max_length=30)] = ""
    policy_number: Annotated[str, Field(max_length=60)] = ""
    previous_insurer: Annotated[str, Field(max_length=100)] = ""
    contract_id: ObjectId | None = None
    order_id: ObjectId | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    status: AssetStatus = "active"  # type: ignore[valid-type]
    address: Annotated[str, Field(max_length=300)] = ""
    notes: Annotated[str, Field(max_length=5000)] = ""
    custom: CustomAsset | None = Field(None, description=CUSTOM_IN)


class AssetPatch(InputSchema):
    kind: AssetKind | None = None  # type: ignore[valid-type]
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    product_id: ObjectId | None = None
    serial_number: Annotated[str, Field(max_length=100)] | None = None
    plate_number: Annotated[str, Field(max_length=30)] | None = None
    policy_number: Annotated[str, Field(max_length=60)] | None = None
    previous_insurer: Annotated[str, Field(max_length=100)] | None = None
    contract_id: ObjectId | None = None
    order_id: ObjectId | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    status: AssetStatus | None = None  # type: ignore[valid-type]
    address: Annotated[str, Field(max_length=300)] | None = None
    notes: Annotated[str, Field(max_length=5000)] | None = None
    custom: CustomAsset | None = Field(None, description=CUSTOM_IN)
    version: Version | None = None


class AssetFilters(Schema):
    q: Annotated[str, Field(max_length=100)] | None = Field(None, description="Plate, policy or serial number, name.")
    customer_id: int | None = None
    status: AssetStatus | None = None  # type: ignore[valid-type]
    custom: list[str] | None = Field(None, description=CUSTOM_FILTER_HELP)


class TicketOut(Schema):
    id: int
    version: int
    number: str
    type: str
    channel: str
    priority: str
    status: str
    customer: Ref
    contact_id: int | None
    asset_id: int | None
    contract_id: int | None
    product_id: int | None
    subject: str
    description: str
    resolution: str
    owner: UserRef | None
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    due_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    custom: CustomTicket = Field(default_factory=dict)
    resolve_custom = staticmethod(custom_values_out("service.ticket"))


class TicketPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[TicketOut]


class TicketIn(InputSchema):
    customer_id: ObjectId
    subject: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=20000)] = ""
    type: TicketType = "consultation"  # type: ignore[valid-type]
    channel: Channel = "phone"  # type: ignore[valid-type]
    priority: Priority = "normal"  # type: ignore[valid-type]
    contact_id: ObjectId | None = None
    asset_id: ObjectId | None = None
    contract_id: ObjectId | None = None
    product_id: ObjectId | None = None
    owner_id: ObjectId | None = Field(None, description="Assign at once (tickets.assign, or yourself).")
    custom: CustomTicket | None = Field(None, description=CUSTOM_IN)


class TicketPatch(InputSchema):
    subject: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    description: Annotated[str, Field(max_length=20000)] | None = None
    type: TicketType | None = None  # type: ignore[valid-type]
    channel: Channel | None = None  # type: ignore[valid-type]
    priority: Priority | None = None  # type: ignore[valid-type]
    contact_id: ObjectId | None = None
    asset_id: ObjectId | None = None
    contract_id: ObjectId | None = None
    product_id: ObjectId | None = None
    custom: CustomTicket | None = Field(None, description=CUSTOM_IN)
    version: Version | None = None


class TicketFilters(Schema):
    q: Annotated[str, Field(max_length=100)] | None = None
    customer_id: int | None = None
    status: TicketStatus | None = None  # type: ignore[valid-type]
    mine: bool = False
    custom: list[str] | None = Field(None, description=CUSTOM_FILTER_HELP)


class TicketActionIn(InputSchema):
    note: Annotated[str, Field(max_length=5000)] = ""
    resolution: Annotated[str, Field(max_length=20000)] = ""


class TicketAssignIn(InputSchema):
    owner_id: ObjectId
    note: Annotated[str, Field(max_length=500)] = ""


class TicketNoteIn(InputSchema):
    text: Annotated[str, Field(min_length=1, max_length=5000)]


class TicketEventOut(Schema):
    at: dt.datetime
    kind: str
    actor: UserRef | None
    from_status: str
    to_status: str
    text: str
