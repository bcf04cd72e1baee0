"""Campaigns: a real send to a local SMTP server with merge fields, an open and a click tracked, an unsubscribe
honoured in the next send; a restart in the middle of a send sends nobody twice; refusals change nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from guanxi.core.errors import InvalidStateError, PermissionDeniedError, ValidationFailed
from guanxi.customers.models import FollowUp
from guanxi.marketing import campaigns, services
from guanxi.marketing.channels import LoggingProvider
from guanxi.marketing.models import Campaign, Delivery

pytestmark = pytest.mark.django_db


def _email_campaign(people, **extra):
    segment = services.segment_create(actor=people["marketer"], data={"name": "A", "query": "level=A"})
    data = {"name": "新品发布会邀请", "channel": "email", "segment": segment.pk, "subject": "{{ name }}，诚邀您参加",
            "body": "尊敬的{{ name }}（{{ company }}）：\n详情 https://example.cn/launch?x=1\n{{ custom }}",
            "custom_text": "期待您的光临", "budget": "5000", **extra}  # fmt: skip
    return campaigns.campaign_create(actor=people["marketer"], data=data)


def _wechat_campaign(people, book, contacts: int):
    """A WeChat campaign to the A-level customers, with `contacts` more contacts wx-0, wx-1, … at the first."""
    from guanxi.customers.tests.factories import ContactFactory

    for i in range(contacts):
        ContactFactory(customer=book["a1"], name=f"联系人{i}", wechat=f"wx-{i}")
    segment = services.segment_create(actor=people["marketer"], data={"name": "A", "query": "level=A"})
    return campaigns.campaign_create(actor=people["marketer"], data={
        "name": "微信推送", "channel": "wechat", "segment": segment.pk, "body": "{{ name }} 您好"})  # fmt: skip


def test_a_campaign_is_sent_over_smtp_tracked_and_an_unsubscribe_is_honoured_next_time(
    client, people, book, smtp_server
):
    campaign = _email_campaign(people)
    assert campaigns.campaign_start(actor=people["marketer"], campaign=campaign) == 2  # 李明, 王芳 (赵强 has no e-mail)
    assert campaigns.campaign_send_batch(campaign_id=campaign.pk) == 2
    campaign.refresh_from_db()
    assert campaign.status == "sent"
    assert sorted(m["To"] for m in smtp_server.messages) == ["liming@hengxin.example", "wangfang@hengxin.example"]
    li = next(m for m in smtp_server.messages if m["To"] == "liming@hengxin.example")
    assert li["Subject"] == "李明，诚邀您参加" and li["List-Unsubscribe"]
    text = li.get_body(("plain",)).get_content()
    assert "尊敬的李明（北京恒信物流有限公司）" in text and "期待您的光临" in text
    delivery = Delivery.objects.get(campaign=campaign, contact=book["li"])
    assert delivery.status == "sent" and delivery.provider_id == li["Message-ID"]
    # the open pixel and the click redirect (signed) are recorded
    html = li.get_body(("html",)).get_content()
    pixel = re.search(r'src="http://[^/]+(/marketing/t/o/[^"]+)"', html).group(1)
    assert client.get(pixel)["Content-Type"] == "image/gif"
    click = re.search(r"http://[^/\s]+(/marketing/t/c/\S+/)", text).group(1)
    response = client.get(click)
    assert response.status_code == 302 and response["Location"] == "https://example.cn/launch?x=1"
    delivery.refresh_from_db()
    assert delivery.opened_at and delivery.clicked_at and delivery.clicks == 1
    # a link that was not issued is refused: no open redirect
    assert client.get(click.replace("/t/c/", "/t/c/x")).status_code == 404
    # 李明 unsubscribes through the message's link: the next campaign leaves him out
    unsubscribe = re.search(r"http://[^/\s]+(/marketing/u/\S+/)", text).group(1)
    assert client.post(unsubscribe).status_code == 200
    second = _email_campaign(people, name="第二轮")
    assert campaigns.campaign_start(actor=people["marketer"], campaign=second) == 1
    smtp_server.messages.clear()
    campaigns.campaign_send_batch(campaign_id=second.pk)
    assert [m["To"] for m in smtp_server.messages] == ["wangfang@hengxin.example"]


def test_a_restart_in_the_middle_of_a_send_sends_nobody_twice(people, book, settings):
    from guanxi.customers.tests.factories import ContactFactory

    ContactFactory(customer=book["a1"], name="同号", wechat="wx-0")  # 联系人0 gets the same address: one message only
    campaign = _wechat_campaign(people, book, 5)
    LoggingProvider.sent = []
    assert campaigns.campaign_start(actor=people["marketer"], campaign=campaign) == 5
    assert campaigns.campaign_send_batch(campaign_id=campaign.pk, limit=2) == 2
    # the worker dies after claiming the third recipient, before the provider confirmed it
    third = Delivery.objects.filter(campaign=campaign, status="queued").order_by("pk").first()
    import datetime as dt

    from django.utils import timezone

    Delivery.objects.filter(pk=third.pk).update(status="sending", claimed_at=timezone.now() - dt.timedelta(hours=1))
    # after the restart, the batches finish the rest
    assert campaigns.campaign_send_batch(campaign_id=campaign.pk) == 2
    assert campaigns.campaign_send_batch(campaign_id=campaign.pk) == 0
    addresses = [m.to for m in LoggingProvider.sent]
    assert len(addresses) == len(set(addresses)) == 4
    assert Delivery.objects.get(pk=third.pk).status == "unconfirmed"
    assert Campaign.objects.get(pk=campaign.pk).status == "sent"


def test_a_worker_dying_in_the_middle_of_a_chunk_records_what_went_out_and_sends_nobody_twice(people, book):
    campaign = _wechat_campaign(people, book, 6)
    assert campaigns.campaign_start(actor=people["marketer"], campaign=campaign) == 6

    class DiesAtTheThird(LoggingProvider):
        calls = 0

        def send(self, message):
            DiesAtTheThird.calls += 1
            if DiesAtTheThird.calls == 3:
                raise SystemExit("the worker is stopped")
            return super().send(message)

    LoggingProvider.sent = []
    with pytest.raises(SystemExit):
        campaigns.campaign_send_batch(campaign_id=campaign.pk, provider=DiesAtTheThird())
    statuses = list(Delivery.objects.filter(campaign=campaign).order_by("pk").values_list("status", flat=True))
    # the two that went out are confirmed with the provider's id; the rest of the chunk stays claimed
    assert statuses == ["sent", "sent", "sending", "sending", "sending", "sending"]
    assert not Delivery.objects.filter(campaign=campaign, status="sent", provider_id="").exists()
    later = timezone.now() + campaigns.STALE_CLAIM + dt.timedelta(minutes=1)
    assert campaigns.campaign_send_batch(campaign_id=campaign.pk, now=later) == 0  # never sent again
    assert Delivery.objects.filter(campaign=campaign, status="unconfirmed").count() == 4
    assert len(LoggingProvider.sent) == 2 and Campaign.objects.get(pk=campaign.pk).status == "sent"


def test_tracking_links_are_the_addresses_reverse_gives():
    from guanxi.marketing import tracking
    from guanxi.marketing.consent import unsubscribe_token

    token = unsubscribe_token(contact_id=7, channel="email", campaign_id=3)
    assert tracking.token_url("marketing:unsubscribe", token) == tracking.base_url() + reverse(
        "marketing:unsubscribe", args=[token]
    )
    click = tracking.click_url(5, "https://example.cn/launch?x=1&y=中")
    token = click.rsplit("/", 2)[1]
    assert click == tracking.base_url() + reverse("marketing:track_click", args=[token])
    assert tracking.read(token) == {"d": 5, "u": "https://example.cn/launch?x=1&y=中"}


def test_merge_fields_are_checked_and_nothing_else_runs(people, book):
    with pytest.raises(ValidationFailed) as err:
        _email_campaign(people, body="{{ name }} {{ secret_key }} {% load x %}")
    assert "body" in err.value.fields and not Campaign.objects.exists()
    campaign = _email_campaign(people, body="{% debug %} {{ name }}")
    message = campaigns.compose(campaign, book["li"], delivery_id=None, to="x@y.cn")
    assert message.text.startswith("{% debug %} 李明")


def test_a_rep_cannot_plan_or_start_a_campaign(people, book):
    with pytest.raises(PermissionDeniedError):
        campaigns.campaign_create(actor=people["east_rep"], data={"name": "x"})
    campaign = _email_campaign(people)
    with pytest.raises(PermissionDeniedError):
        campaigns.campaign_start(actor=people["east_rep"], campaign=campaign)
    assert not Delivery.objects.exists() and Campaign.objects.get().status == "draft"


def test_a_started_campaign_keeps_its_content_and_starts_once(people, book):
    campaign = _email_campaign(people)
    campaigns.campaign_start(actor=people["marketer"], campaign=campaign)
    campaign.refresh_from_db()
    with pytest.raises(InvalidStateError):
        campaigns.campaign_update(actor=people["marketer"], campaign=campaign, data={"body": "改"})
    with pytest.raises(InvalidStateError):
        campaigns.campaign_start(actor=people["marketer"], campaign=campaign)
    assert Delivery.objects.count() == 2


def test_a_test_send_goes_to_oneself_only(people, book, smtp_server):
    people["marketer"].email = "marketer@guanxi.example"
    people["marketer"].save()
    campaign = _email_campaign(people)
    assert campaigns.campaign_test_send(actor=people["marketer"], campaign=campaign) == "marketer@guanxi.example"
    assert [m["To"] for m in smtp_server.messages] == ["marketer@guanxi.example"]
    assert smtp_server.messages[0]["Subject"].startswith("[TEST]") and not Delivery.objects.exists()


def test_a_phone_campaign_gives_a_call_list_whose_calls_become_follow_ups(client, people, book):
    segment = services.segment_create(actor=people["marketer"], data={"name": "A", "query": "level=A"})
    campaign = campaigns.campaign_create(actor=people["marketer"], data={
        "name": "回访", "channel": "phone", "segment": segment.pk})  # fmt: skip
    assert campaigns.campaign_start(actor=people["marketer"], campaign=campaign) == 2  # 李明, 赵强 have mobiles
    delivery = Delivery.objects.get(campaign=campaign, contact=book["zhao"])
    client.force_login(people["east_rep"])
    url = reverse("marketing:campaign_call_log", args=[campaign.pk, delivery.pk])
    assert client.post(url, {"result": "客户有兴趣，下周拜访"}).status_code == 302
    follow_up = FollowUp.objects.get(customer=book["a2"])
    assert "客户有兴趣" in follow_up.content and follow_up.author == people["east_rep"]
    assert Delivery.objects.get(pk=delivery.pk).status == "called"
    # the west rep may not see 赵强: the call cannot be logged by them
    client.force_login(people["west_rep"])
    other = Delivery.objects.get(campaign=campaign, contact=book["li"])
    url = reverse("marketing:campaign_call_log", args=[campaign.pk, other.pk])
    assert client.post(url, {"result": "x"}).status_code in (403, 404)
    assert FollowUp.objects.count() == 1


def test_campaign_pages_render(client, people, book):
    campaign = _email_campaign(people)
    client.force_login(people["marketer"])
    page = client.get(reverse("marketing:campaign_detail", args=[campaign.pk]))
    assert page.status_code == 200 and "李明，诚邀您参加" in page.content.decode()
    assert client.get(reverse("marketing:campaign_list")).status_code == 200
    assert client.get(reverse("marketing:campaign_create")).status_code == 200
    bad = client.post(reverse("marketing:campaign_create"), {"name": "x", "channel": "email", "language": "en",
                                                             "body": "{{ nope }}"})  # fmt: skip
    assert bad.status_code == 400 and Campaign.objects.count() == 1


def test_campaigns_over_the_api(client, people, book, api_token_for):
    from guanxi.marketing.models import Segment

    segment = services.segment_create(actor=people["marketer"], data={"name": "A", "query": "level=A"})
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(people['marketer'])}"}
    body = {"name": "微信", "channel": "wechat", "segment_id": segment.pk, "body": "{{ name }} 您好", "budget": "100"}
    made = client.post("/api/v1/campaigns", body, content_type="application/json", **auth)
    assert made.status_code == 201, made.content
    started = client.post(f"/api/v1/campaigns/{made.json()['id']}/start", **auth)
    assert started.status_code == 200 and started.json() == {"recipients": 0}  # nobody in A has a WeChat id
    bad = client.post("/api/v1/campaigns", {**body, "body": "{{ nope }}"}, content_type="application/json", **auth)
    assert bad.status_code == 400 and "body" in bad.json()["error"]["fields"]
    rep = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(people['east_rep'])}"}
    assert client.post("/api/v1/campaigns", body, content_type="application/json", **rep).status_code == 403
    assert Campaign.objects.count() == 1 and Segment.objects.count() == 1


def test_a_recipient_another_worker_claimed_first_is_left_to_it_and_a_chunk_is_claimed_in_one_statement(people, book):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    campaign = _wechat_campaign(people, book, 4)
    campaigns.campaign_start(actor=people["marketer"], campaign=campaign)
    chunk = list(Delivery.objects.filter(campaign=campaign).order_by("pk"))
    # another worker claimed the second after this one read the chunk
    Delivery.objects.filter(pk=chunk[1].pk).update(status="sending", claimed_at=timezone.now())
    with CaptureQueriesContext(connection) as ctx:
        claimed = campaigns._claim(chunk, timezone.now())
    assert [d.pk for d in claimed] == [chunk[0].pk, chunk[2].pk, chunk[3].pk]
    assert sum(q["sql"].lstrip().upper().startswith("UPDATE") for q in ctx.captured_queries) == 1
    assert (
        list(Delivery.objects.filter(campaign=campaign).order_by("pk").values_list("status", flat=True))
        == ["sending"] * 4
    )
    LoggingProvider.sent = []
    assert campaigns.campaign_send_batch(campaign_id=campaign.pk) == 0  # nothing queued: nobody sent twice
