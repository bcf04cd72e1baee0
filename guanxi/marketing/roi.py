"""Return on marketing per channel (渠道ROI): the campaigns of each channel started in a period, their cost, and the
won amount of the deals attributed to them (attribution.py: first touch and last touch, both), with the deals and
the people behind each figure for the drill-down. Deals are the reader's (opportunity scope), people the contacts
they may see; campaigns need marketing.view."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from guanxi.org.policies import permission_scope, require_permission, scope_queryset_or_none

from .attribution import TOUCHED, attribute, roi
from .models import Campaign, Channel, Delivery

MODELS = ("first", "last")


@dataclass
class ChannelRoi:
    channel: str
    label: str
    campaigns: int = 0
    cost: Decimal = Decimal(0)
    won_first: Decimal = Decimal(0)
    won_last: Decimal = Decimal(0)
    deals_first: list[Any] = field(default_factory=list)  # attributed opportunities (any status)
    deals_last: list[Any] = field(default_factory=list)
    touches: dict[int, dict[str, Campaign]] = field(default_factory=lambda: defaultdict(dict))  # deal → model → c.
    # False for a reader who may not see opportunities: the won amounts are then unknown to them, not zero, and an
    # ROI of −100 % would be false
    deals_visible: bool = True

    @property
    def roi_first(self) -> Decimal | None:
        return roi(self.won_first, self.cost) if self.deals_visible else None

    @property
    def roi_last(self) -> Decimal | None:
        return roi(self.won_last, self.cost) if self.deals_visible else None


@dataclass
class DealRow:
    deal: Any
    first: Campaign | None
    last: Campaign | None
    people: list[Any]  # the contacts of the deal's customer the channel's campaigns reached (in the reader's scope)


def _campaigns(date_from: dt.date | None, date_to: dt.date | None) -> list[Campaign]:
    qs = Campaign.objects.exclude(started_at__isnull=True)
    if date_from:
        qs = qs.filter(started_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(started_at__date__lte=date_to)
    return list(qs.order_by("pk"))


def _deals(user: Any, campaign_ids: list[int]) -> Any:
    from guanxi.sales.models import Opportunity

    reached = Delivery.objects.filter(campaign_id__in=campaign_ids, status__in=TOUCHED).values("contact__customer_id")
    deals = scope_queryset_or_none(user, Opportunity.objects.all(), "view", module="opportunities")
    return deals.filter(customer_id__in=reached)


def roi_by_channel(
    *, user: Any, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> tuple[list[ChannelRoi], dict[int, Campaign]]:
    """One row per channel (all four, in their order), and the campaigns by id."""
    require_permission(user, "marketing.view")
    campaigns = {c.pk: c for c in _campaigns(date_from, date_to)}
    visible = permission_scope(user, "opportunities.view") is not None
    rows = {
        value: ChannelRoi(channel=value, label=str(label), deals_visible=visible) for value, label in Channel.choices
    }
    for campaign in campaigns.values():
        rows[campaign.channel].campaigns += 1
        rows[campaign.channel].cost += campaign.cost
    if campaigns:
        for campaign_id, found in attribute(_deals(user, list(campaigns)), set(campaigns)).items():
            row = rows[campaigns[campaign_id].channel]
            row.deals_first += found.first
            row.deals_last += found.last
            for model in MODELS:
                for deal in getattr(found, model):
                    row.touches[deal.pk][model] = campaigns[campaign_id]
            row.won_first += found.won_first
            row.won_last += found.won_last
    return list(rows.values()), campaigns


def channel_drill_down(
    *, user: Any, channel: str, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> tuple[ChannelRoi, list[DealRow]]:
    """The figures of one channel and the deals behind them: each with its first- and last-touch campaign of the
    channel and the people the channel reached at its customer."""
    from guanxi.customers.models import Contact

    rows, campaigns = roi_by_channel(user=user, date_from=date_from, date_to=date_to)
    row = next(r for r in rows if r.channel == channel)
    ours = {pk for pk, c in campaigns.items() if c.channel == channel}
    deals = {d.pk: d for d in [*row.deals_first, *row.deals_last]}
    visible = scope_queryset_or_none(user, Contact.objects.all(), "view", module="contacts").values("pk")
    reached = (Delivery.objects.filter(campaign_id__in=ours, status__in=TOUCHED, contact_id__in=visible,
                                       contact__customer_id__in={d.customer_id for d in deals.values()})
               .select_related("contact").order_by("contact__name", "contact_id"))  # fmt: skip
    people: dict[int, dict[int, Any]] = defaultdict(dict)
    for delivery in reached:
        people[delivery.contact.customer_id][delivery.contact_id] = delivery.contact
    out = [
        DealRow(deal=d, first=row.touches[d.pk].get("first"), last=row.touches[d.pk].get("last"),
                people=list(people[d.customer_id].values()))
        for d in sorted(deals.values(), key=lambda d: (d.status != "won", -d.amount, d.pk))
    ]  # fmt: skip
    return row, out
