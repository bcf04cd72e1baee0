"""Which deals a campaign brought (营销归因) and its return.

A campaign *touched* a customer when one of its messages reached a contact of the customer (sent, or a call
logged). An opportunity opened after a touch, within ATTRIBUTION_DAYS of it, is attributed to the campaigns that
touched its customer before: to the earliest of them (**first touch**) and to the latest (**last touch**); both
are shown. ROI = (won amount − actual cost) / actual cost, for each model.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from .models import Campaign, Delivery

ATTRIBUTION_DAYS = 90
TOUCHED = (Delivery.Status.SENT, Delivery.Status.CALLED)


@dataclass
class Attribution:
    first: list[Any] = field(default_factory=list)  # opportunities
    last: list[Any] = field(default_factory=list)

    @staticmethod
    def _won(opps: list[Any]) -> Decimal:
        return sum((o.amount for o in opps if o.status == "won"), Decimal("0"))

    @property
    def won_first(self) -> Decimal:
        return self._won(self.first)

    @property
    def won_last(self) -> Decimal:
        return self._won(self.last)


def roi(won: Decimal, cost: Decimal) -> Decimal | None:
    return ((won - cost) / cost).quantize(Decimal("0.01")) if cost else None


def _touches(customer_ids: set[int]) -> dict[int, list[tuple[dt.datetime, int]]]:
    """Per customer, the (time, campaign) of every touch, oldest first."""
    rows = (Delivery.objects.filter(status__in=TOUCHED, sent_at__isnull=False, contact__customer_id__in=customer_ids)
            .values_list("contact__customer_id", "sent_at", "campaign_id").order_by("sent_at", "pk"))  # fmt: skip
    out: dict[int, list[tuple[dt.datetime, int]]] = defaultdict(list)
    for customer_id, at, campaign_id in rows:
        if at is not None:  # filtered above; the type of the column allows it
            out[customer_id].append((at, campaign_id))
    return out


def attribute(opportunities: QuerySet[Any], campaign_ids: set[int] | None = None) -> dict[int, Attribution]:
    """{campaign id: its first-touch and last-touch opportunities} among `opportunities`."""
    opps = list(opportunities.select_related("customer"))
    touches = _touches({o.customer_id for o in opps})
    result: dict[int, Attribution] = defaultdict(Attribution)
    window = dt.timedelta(days=ATTRIBUTION_DAYS)
    for opp in opps:
        before = [(at, c) for at, c in touches.get(opp.customer_id, []) if at <= opp.created_at <= at + window]
        if not before:
            continue
        first, last = before[0][1], before[-1][1]
        if campaign_ids is None or first in campaign_ids:
            result[first].first.append(opp)
        if campaign_ids is None or last in campaign_ids:
            result[last].last.append(opp)
    return result


def campaign_attribution(campaign: Campaign, *, opportunities: QuerySet[Any]) -> Attribution:
    """The campaign's attributed opportunities among `opportunities` (the reader's, in their data scope)."""
    reached = Delivery.objects.filter(campaign=campaign, status__in=TOUCHED).values("contact__customer_id")
    return attribute(opportunities.filter(customer_id__in=reached), {campaign.pk}).get(campaign.pk, Attribution())


# --- metrics for analytics ---------------------------------------------------------------------------------------
def _campaigns(user: Any, date_from: dt.date, date_to: dt.date, owners: Any) -> QuerySet[Campaign]:
    from guanxi.org.policies import has_permission

    if not has_permission(user, "marketing.view"):
        return Campaign.objects.none()
    qs = Campaign.objects.filter(started_at__date__gte=date_from, started_at__date__lte=date_to)
    return qs.filter(owner_id__in=list(owners)) if owners is not None else qs


def _by(group_by: str, campaign: Campaign) -> Any:
    return campaign.owner_id if group_by == "owner" else None


def campaign_cost(
    *, user: Any, date_from: dt.date, date_to: dt.date, group_by: str, owners: Any = None
) -> dict[Any, Decimal]:
    out: dict[Any, Decimal] = defaultdict(Decimal)
    for campaign in _campaigns(user, date_from, date_to, owners):
        out[_by(group_by, campaign)] += campaign.cost
    return dict(out)


def campaign_won_amount(
    *, user: Any, date_from: dt.date, date_to: dt.date, group_by: str, owners: Any = None
) -> dict[Any, Decimal]:
    """Won amount attributed (last touch) to the campaigns started in the period, over the reader's deals."""
    from guanxi.org.policies import scope_queryset_or_none
    from guanxi.sales.models import Opportunity

    campaigns = {c.pk: c for c in _campaigns(user, date_from, date_to, owners)}
    opps = scope_queryset_or_none(user, Opportunity.objects.filter(status="won"), "view", module="opportunities")
    out: dict[Any, Decimal] = defaultdict(Decimal)
    if not campaigns:
        return {}
    for campaign_id, found in attribute(opps, set(campaigns)).items():
        out[_by(group_by, campaigns[campaign_id])] += found.won_last
    return dict(out)


def campaign_roi(
    *, user: Any, date_from: dt.date, date_to: dt.date, group_by: str, owners: Any = None
) -> dict[Any, Decimal]:
    """Campaign ROI in percent: (won amount attributed − cost) ÷ cost of the campaigns started in the period, as the
    campaign page computes it (`roi`, there a fraction); campaigns without a cost have no ROI and are left out."""
    args = {"user": user, "date_from": date_from, "date_to": date_to, "group_by": group_by, "owners": owners}
    cost = campaign_cost(**args)
    won = campaign_won_amount(**args)
    out: dict[Any, Decimal] = {}
    for key, spent in cost.items():
        if spent:
            out[key] = ((won.get(key, Decimal(0)) - spent) * 100 / spent).quantize(Decimal("0.01"))
    return out
