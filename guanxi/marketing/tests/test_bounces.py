"""Bounces: an address the receiving mail server refuses for good (5xx) is recorded as bounced and suppressed, so
the next campaign leaves it out; a temporary refusal (4xx) is only a failure and the address stays reachable."""

from __future__ import annotations

import pytest

from guanxi.marketing import campaigns, services
from guanxi.marketing.models import Delivery, Suppression

pytestmark = pytest.mark.django_db


def _campaign(people, name: str):
    segment = services.segment_create(actor=people["marketer"], data={"name": name, "query": "level=A"})
    data = {"name": name, "channel": "email", "segment": segment.pk, "subject": "{{ name }}，您好", "body": "诚邀"}
    return campaigns.campaign_create(actor=people["marketer"], data=data)


def test_a_permanent_refusal_is_a_bounce_that_suppresses_the_address(people, book, smtp_server):
    smtp_server.refuse["wangfang@hengxin.example"] = "550 5.1.1 <wangfang@hengxin.example>: User unknown"
    first = _campaign(people, "第一轮")
    assert campaigns.campaign_start(actor=people["marketer"], campaign=first) == 2
    assert campaigns.campaign_send_batch(campaign_id=first.pk) == 1
    assert [m["To"] for m in smtp_server.messages] == ["liming@hengxin.example"]
    bounced = Delivery.objects.get(campaign=first, address="wangfang@hengxin.example")
    assert bounced.status == "bounced" and "550" in bounced.error
    row = Suppression.objects.get(channel="email", address="wangfang@hengxin.example")
    assert row.reason == "bounced" and "第一轮" in row.note
    assert campaigns.campaign_stats(first)["bounced"] == 1
    first.refresh_from_db()
    assert first.status == "sent"
    # the next campaign does not try the address again
    second = _campaign(people, "第二轮")
    assert campaigns.campaign_start(actor=people["marketer"], campaign=second) == 1


def test_a_temporary_refusal_is_a_failure_and_suppresses_nothing(people, book, smtp_server):
    smtp_server.refuse["wangfang@hengxin.example"] = "452 4.2.2 Mailbox full, try later"
    campaign = _campaign(people, "暂时拒收")
    campaigns.campaign_start(actor=people["marketer"], campaign=campaign)
    campaigns.campaign_send_batch(campaign_id=campaign.pk)
    failed = Delivery.objects.get(campaign=campaign, address="wangfang@hengxin.example")
    assert failed.status == "failed" and "452" in failed.error
    assert not Suppression.objects.exists()
