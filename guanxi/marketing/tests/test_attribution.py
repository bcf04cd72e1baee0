"""Attribution and ROI against hand-built touches and deals: first touch and last touch, the 90-day window, the
reader's data scope, and the metrics analytics reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from guanxi.core.registry import registry
from guanxi.marketing import campaigns, services
from guanxi.marketing.attribution import campaign_attribution, roi
from guanxi.marketing.models import Delivery
from guanxi.sales.models import Opportunity
from guanxi.sales.opportunities.services import opportunity_create

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def _sent(people, name: str, days_ago: int, cost: str):
    segment = services.segment_create(actor=people["marketer"], data={"name": name, "query": "level=A"})
    campaign = campaigns.campaign_create(actor=people["marketer"], data={
        "name": name, "channel": "wechat", "segment": segment.pk, "body": "{{ name }}", "cost": cost})  # fmt: skip
    campaign.status = "sending"
    campaign.started_at = NOW - dt.timedelta(days=days_ago)
    campaign.save()
    Delivery.objects.create(campaign=campaign, contact=campaign_contact(), address="x", status="sent",
                            sent_at=NOW - dt.timedelta(days=days_ago))  # fmt: skip
    return campaign


def campaign_contact():
    from guanxi.customers.models import Contact

    return Contact.objects.get(name="李明")


def _deal(people, customer, days_ago: int, amount: str, won: bool):
    opp = opportunity_create(
        actor=people["east_rep"], customer=customer, data={"name": f"单{days_ago}", "amount": amount}
    )
    Opportunity.objects.filter(pk=opp.pk).update(created_at=NOW - dt.timedelta(days=days_ago),
                                                 status="won" if won else "open")  # fmt: skip
    return opp


def test_first_and_last_touch_and_roi(people, book):
    spring = _sent(people, "春季", 60, "1000")
    autumn = _sent(people, "秋季", 20, "2000")
    before = _deal(people, book["a1"], 70, "9999", True)  # opened before any touch: nobody's
    between = _deal(people, book["a1"], 40, "5000", True)  # after spring only
    after = _deal(people, book["a1"], 10, "8000", True)  # after both: first spring, last autumn
    other = _deal(people, book["a2"], 10, "7000", True)  # a customer no campaign reached
    deals = Opportunity.objects.all()
    s = campaign_attribution(spring, opportunities=deals)
    a = campaign_attribution(autumn, opportunities=deals)
    assert {o.pk for o in s.first} == {between.pk, after.pk} and {o.pk for o in s.last} == {between.pk}
    assert a.first == [] and {o.pk for o in a.last} == {after.pk}
    assert s.won_first == Decimal("13000") and a.won_last == Decimal("8000")
    assert roi(s.won_first, spring.cost) == Decimal("12.00") and roi(Decimal("0"), Decimal("0")) is None
    assert before.pk not in {o.pk for o in s.first + s.last} and other.pk not in {o.pk for o in a.last}


def test_a_deal_outside_the_window_is_not_attributed(people, book):
    spring = _sent(people, "春季", 200, "1000")
    _deal(people, book["a1"], 50, "5000", True)
    assert campaign_attribution(spring, opportunities=Opportunity.objects.all()).first == []


def test_the_metrics_read_the_readers_deals(people, book):
    _sent(people, "秋季", 20, "2000")
    _deal(people, book["a1"], 10, "8000", True)
    won = registry.metric("campaign_won_amount")
    cost = registry.metric("campaign_cost")
    period = {"date_from": (NOW - dt.timedelta(days=30)).date(), "date_to": NOW.date(), "group_by": "total"}
    assert cost.compute(user=people["admin"], **period) == {None: Decimal("2000")}
    assert won.compute(user=people["admin"], **period) == {None: Decimal("8000")}
    assert won.compute(user=people["west_rep"], **period) == {}  # not their deal
    assert cost.compute(user=people["nobody"], **period) == {}
