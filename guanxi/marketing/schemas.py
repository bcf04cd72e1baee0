"""API schemas of the marketing app: segments, consent and the suppression list."""

from __future__ import annotations

import datetime as dt
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
