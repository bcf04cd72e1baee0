"""API schemas of the marketing app: segments, consent and the suppression list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from guanxi.core.api import CountIsExact, InputSchema, ObjectId, Version

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
    count_is_exact: CountIsExact = True
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
    count_is_exact: CountIsExact = True
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
    count_is_exact: CountIsExact = True
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


class EngagementCampaignOut(Schema):
    campaign_id: int
    campaign_name: str = Field(alias="campaign.name")
    status: str
    sent_at: dt.datetime | None
    opened_at: dt.datetime | None
    clicked_at: dt.datetime | None


class EngagementOut(Schema):
    """What a contact made of our campaigns: all zero for a reader without marketing.view."""

    received: int = Field(description="campaigns whose message reached the contact (sent, or a call logged)")
    opened: int = Field(description="of those, opened at least once")
    clicked: int = Field(description="of those, a link clicked at least once")
    opens: int
    clicks: int
    responses: int | None = Field(description="leads through a campaign's form from the contact; null without leads")
    points: int | None = Field(description="loyalty balance; null when not a member or without loyalty.view")
    member_id: int | None
    latest: list[EngagementCampaignOut] = Field(description="the latest five campaigns, newest first")


class ChannelRoiOut(Schema):
    """One channel's campaigns started in the period, their cost and the won amount attributed to them."""

    channel: str
    label: str
    campaigns: int
    cost: Decimal
    won_first: Decimal = Field(description="won amount of the deals whose first touch is one of the channel's")
    won_last: Decimal = Field(description="won amount of the deals whose last touch is one of the channel's")
    roi_first: Decimal | None = Field(
        description="(won_first − cost) ÷ cost; null without a cost, or when deals_visible is false"
    )
    roi_last: Decimal | None
    deals_visible: bool = Field(
        description="false when the reader may not see opportunities: the won amounts are then not known to them "
        "(0 here) and the ROI is null"
    )
    deals_first: int = Field(description="deals attributed, first touch (any status)")
    deals_last: int

    @staticmethod
    def resolve_deals_first(obj: object) -> int:
        return len(getattr(obj, "deals_first", []))

    @staticmethod
    def resolve_deals_last(obj: object) -> int:
        return len(getattr(obj, "deals_last", []))


class PersonOut(Schema):
    id: int
    name: str


class ChannelDealOut(Schema):
    opportunity_id: int = Field(alias="deal.pk")
    name: str = Field(alias="deal.name")
    customer_id: int = Field(alias="deal.customer_id")
    status: str = Field(alias="deal.status")
    amount: Decimal = Field(alias="deal.amount")
    first_touch_campaign_id: int | None = Field(alias="first.pk", default=None)
    last_touch_campaign_id: int | None = Field(alias="last.pk", default=None)
    people: list[PersonOut] = Field(description="the contacts at the deal's customer the channel's campaigns reached")


class ChannelDrillDownOut(Schema):
    channel: ChannelRoiOut
    deals: list[ChannelDealOut]


class RoiPeriod(Schema):
    date_from: dt.date | None = Field(None, description="campaigns started on or after this day")
    date_to: dt.date | None = Field(None, description="campaigns started on or before this day")
