"""API schemas of the marketing app: segments, consent and the suppression list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from guanxi.core.api import InputSchema, ObjectId, Version

from .models import Channel, Consent, Segment, Suppression

ChannelCode = Literal[tuple(Channel.values)]  # type: ignore[valid-type]
SegmentKind = Literal[tuple(Segment.Kind.values)]  # type: ignore[valid-type]
SegmentBase = Literal[tuple(Segment.Base.values)]  # type: ignore[valid-type]
ConsentStatus = Literal[tuple(Consent.Status.values)]  # type: ignore[valid-type]
ConsentSource = Literal[tuple(Consent.Source.values)]  # type: ignore[valid-type]
SuppressionReason = Literal[tuple(Suppression.Reason.values)]  # type: ignore[valid-type]


class SegmentOut(Schema):
    id: int
    version: int
    name: str
    description: str
    kind: str
    base: str
    query: str
    owner_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class SegmentPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[SegmentOut]


class SegmentIn(InputSchema):
    name: str = Field(max_length=120)
    kind: SegmentKind = "dynamic"  # type: ignore[valid-type]
    base: SegmentBase = "customers"  # type: ignore[valid-type]
    query: str = Field("", max_length=4000, description="The customer or contact list's query string (or address).")
    description: str = Field("", max_length=5000)


class SegmentPatch(InputSchema):
    name: str | None = Field(None, max_length=120)
    kind: SegmentKind | None = None  # type: ignore[valid-type]
    base: SegmentBase | None = None  # type: ignore[valid-type]
    query: str | None = Field(None, max_length=4000)
    description: str | None = Field(None, max_length=5000)
    version: Version | None = None


class MembersIn(InputSchema):
    contact_ids: list[ObjectId] = Field(max_length=5000)


class MembersOut(Schema):
    added: int
    skipped: int


class ContactRef(Schema):
    id: int
    name: str
    customer_id: int
    email: str
    mobile: str


class SegmentCountOut(Schema):
    total: int
    reachable: dict[str, int]
    preview: list[ContactRef]
    warnings: list[str]


class ConsentOut(Schema):
    contact_id: int
    channel: str
    status: str
    source: str
    note: str
    at: dt.datetime
    recorded_by_id: int | None


class ConsentIn(InputSchema):
    channel: ChannelCode
    status: ConsentStatus
    source: ConsentSource = "other"  # type: ignore[valid-type]
    note: str = Field("", max_length=300)


class SuppressionOut(Schema):
    id: int
    channel: str
    address: str
    reason: str
    note: str
    created_at: dt.datetime


class SuppressionPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[SuppressionOut]


class SuppressionIn(InputSchema):
    channel: ChannelCode
    address: str = Field(max_length=254)
    reason: SuppressionReason = "manual"  # type: ignore[valid-type]
    note: str = Field("", max_length=300)


class CampaignOut(Schema):
    id: int
    version: int
    name: str
    goal: str
    channel: str
    segment_id: int | None
    owner_id: int | None
    budget: Decimal
    cost: Decimal
    budget_approval: str = Field(description='"" (not submitted), "pending", "approved" or "rejected"')
    approved_budget: Decimal | None = Field(description="the budget last approved; a higher budget needs approval")
    starts_on: dt.date | None
    ends_on: dt.date | None
    expected_responses: int
    language: str
    subject: str
    body: str
    custom_text: str
    status: str
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class CampaignPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CampaignOut]


class CampaignIn(InputSchema):
    name: str = Field(max_length=200)
    goal: str = Field("", max_length=20000)
    channel: ChannelCode = "email"  # type: ignore[valid-type]
    segment_id: ObjectId | None = None
    budget: Decimal = Field(Decimal("0"), ge=0, max_digits=14, decimal_places=2)
    cost: Decimal = Field(Decimal("0"), ge=0, max_digits=14, decimal_places=2)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    expected_responses: int = Field(0, ge=0, le=10_000_000)
    language: Literal["zh-hans", "en"] = "zh-hans"
    subject: str = Field("", max_length=200)
    body: str = Field("", max_length=20000)
    custom_text: str = Field("", max_length=500)


class CampaignStatsOut(Schema):
    total: int
    sent: int
    queued: int
    failed: int
    bounced: int = Field(description="refused for good by the receiving server; the address is now suppressed")
    skipped: int
    unconfirmed: int
    opened: int
    clicked: int
    open_rate: float | None
    click_rate: float | None


class CampaignStartOut(Schema):
    recipients: int
