"""ROI per channel against hand-built touches and deals: cost and the won amount attributed first touch and last
touch per channel, the chart's data, the drill-down to the deals and the people behind a figure, the reader's
deal scope, the API, and a refused date named in the message."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.marketing import campaigns
from guanxi.marketing.models import Delivery
from guanxi.marketing.roi import channel_drill_down, roi_by_channel
from guanxi.sales.models import Opportunity
from guanxi.sales.opportunities.services import opportunity_create

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def _campaign(people, name, channel, cost, days_ago, contacts):
    data = {"name": name, "channel": channel, "body": "{{ name }}", "cost": cost}
    campaign = campaigns.campaign_create(actor=people["marketer"], data=data)
    type(campaign).objects.filter(pk=campaign.pk).update(status="sent", started_at=NOW - dt.timedelta(days=days_ago))
    for contact in contacts:
        Delivery.objects.create(campaign=campaign, contact=contact, address="x", status="sent",
                                sent_at=NOW - dt.timedelta(days=days_ago))  # fmt: skip
    return campaign


def _deal(people, rep, customer, name, days_ago, amount, won=True):
    opp = opportunity_create(actor=people[rep], customer=customer, data={"name": name, "amount": amount})
    Opportunity.objects.filter(pk=opp.pk).update(created_at=NOW - dt.timedelta(days=days_ago),
                                                 status="won" if won else "open")  # fmt: skip
    return opp


@pytest.fixture
def funnel(people, book):
    """a1 (east) was reached by e-mail 60 days ago, then by SMS 20 days ago, and won a deal 10 days ago (first touch
    e-mail, last touch SMS); b1 (west) was reached by e-mail only and won one; a2 got nothing."""
    email = _campaign(people, "春季邮件", "email", "1000", 60, [book["li"], book["chen"]])
    sms = _campaign(people, "秋季短信", "sms", "500", 20, [book["wang"]])
    both = _deal(people, "east_rep", book["a1"], "物流系统", 10, "8000")
    west = _deal(people, "west_rep", book["b1"], "天府项目", 30, "3000")
    _deal(people, "east_rep", book["a1"], "还在谈", 5, "9000", won=False)
    _deal(people, "east_rep", book["a2"], "无关", 5, "7000")
    return {"email": email, "sms": sms, "both": both, "west": west}


def test_each_channel_has_its_cost_won_amount_and_roi_first_and_last_touch(people, funnel):
    rows, _ = roi_by_channel(user=people["admin"])
    by = {r.channel: r for r in rows}
    assert list(by) == ["email", "sms", "wechat", "phone"]
    email, sms = by["email"], by["sms"]
    assert (email.campaigns, email.cost, sms.cost) == (1, Decimal("1000"), Decimal("500"))
    assert email.won_first == Decimal("11000") and email.won_last == Decimal("3000")  # a1's and b1's; b1's
    assert sms.won_first == Decimal("0") and sms.won_last == Decimal("8000")
    assert email.roi_first == Decimal("10.00") and sms.roi_last == Decimal("15.00") and by["wechat"].roi_last is None
    assert len(email.deals_first) == 3  # the open deal counts as attributed, not as won


def test_the_drill_down_lists_the_deals_and_the_people_behind_a_channel(people, book, funnel):
    row, deals = channel_drill_down(user=people["admin"], channel="email")
    names = [d.deal.name for d in deals]
    assert names[:2] == ["物流系统", "天府项目"] and "还在谈" in names and "无关" not in names
    first = {d.deal.name: d for d in deals}["物流系统"]
    assert first.first == funnel["email"] and first.last is None  # its last touch is the SMS campaign
    assert [p.name for p in first.people] == ["李明"]


def test_a_reader_sees_only_the_deals_in_their_scope(people, funnel):
    rows, _ = roi_by_channel(user=people["west_rep"])
    email = next(r for r in rows if r.channel == "email")
    assert email.won_first == Decimal("3000") and email.cost == Decimal("1000")


def test_the_page_draws_the_chart_and_drills_down(people, funnel):
    client = Client()
    client.force_login(people["admin"])
    page = client.get("/marketing/campaigns/roi/?channel=sms")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="gx-roi-data"' in html and "echarts" in html
    assert 'id="roi-deals"' in html and "物流系统" in html and "秋季短信" in html and "天府项目" not in html
    assert client.get("/marketing/campaigns/").content.decode().count("/marketing/campaigns/roi/") >= 1
    refused = client.get("/marketing/campaigns/roi/?date_from=2026-13-01", follow=True).content.decode()
    assert "Started from: Enter a valid date (YYYY-MM-DD)." in refused  # the field named


def test_the_api_gives_the_channels_and_their_deals(people, funnel):
    client = Client()
    client.force_login(people["admin"])
    body = client.get("/api/v1/campaigns/roi").json()
    email = next(c for c in body if c["channel"] == "email")
    assert Decimal(email["won_first"]) == Decimal("11000") and email["deals_first"] == 3
    drill = client.get("/api/v1/campaigns/roi/sms").json()
    assert [d["name"] for d in drill["deals"]] == ["物流系统", "还在谈"]  # won first; both last-touched by SMS
    assert drill["deals"][0]["last_touch_campaign_id"] == funnel["sms"].pk
    assert [p["name"] for p in drill["deals"][0]["people"]] == ["王芳"]
    assert client.get("/api/v1/campaigns/roi/fax").status_code == 422
    outsider = Client()
    outsider.force_login(people["nobody"])  # no role: no marketing.view
    assert outsider.get("/api/v1/campaigns/roi").status_code == 403


def test_a_reader_who_may_not_see_deals_gets_no_won_amount_and_no_roi_rather_than_minus_100_percent(people, funnel):
    # the marketing role reads campaigns but no opportunities: its won amounts are unknown to it, not zero
    client = Client()
    client.force_login(people["marketer"])
    rows, _ = roi_by_channel(user=people["marketer"])
    email = next(r for r in rows if r.channel == "email")
    assert email.cost == Decimal("1000") and not email.deals_visible and email.roi_first is None
    html = client.get("/marketing/campaigns/roi/").content.decode()
    assert "You may not see opportunities" in html and "-100%" not in html and "−100%" not in html
    assert '"name": "Won, first touch"' not in html  # the chart draws the costs only
    body = client.get("/api/v1/campaigns/roi").json()
    api_email = next(c for c in body if c["channel"] == "email")
    assert api_email["deals_visible"] is False and api_email["roi_first"] is None
    detail = client.get(f"/marketing/campaigns/{funnel['email'].pk}/").content.decode()
    assert "You may not see opportunities." in detail and "-100%" not in detail and "−100%" not in detail
    admin = Client()
    admin.force_login(people["admin"])
    assert next(c for c in admin.get("/api/v1/campaigns/roi").json() if c["channel"] == "email")["deals_visible"]
    assert '"name": "Won, first touch"' in admin.get("/marketing/campaigns/roi/").content.decode()
