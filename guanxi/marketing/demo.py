"""The marketing app's part of the demo company: segments (key accounts' contacts, decision makers, a static
exhibition invitation list), consent recorded on some contacts and an unsubscribed address on the suppression
list — written through the services as the marketing user 徐静 (xujing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from guanxi.core.errors import ApplicationError

from . import consent, services
from .models import Channel, Segment

MARKETER = "xujing"


def _safely(progress: Any, run: Any) -> Any:
    try:
        with transaction.atomic():
            return run()
    except ApplicationError as exc:
        progress(f"  (skipped: {exc.message})")
        return None


def marketing_demo_build(*, result: Any, gen: Any, now: dt.datetime, progress: Any) -> None:
    from urllib.parse import urlencode

    from guanxi.customers.models import Contact

    actor = result.users.get(MARKETER) or result.users.get("admin")
    if actor is None:
        return
    progress("Marketing segments and consent…")
    segments = [
        {"name": "A 级重点客户联系人", "kind": "dynamic", "base": "customers", "query": "level=A",
         "description": "重点客户（A 级）的全部联系人：新品发布与年度答谢会邀请。"},
        {"name": "决策人", "kind": "dynamic", "base": "contacts", "query": urlencode({"is_decision_maker": "1"}),
         "description": "所有标记为决策人的联系人。"},
        {"name": "2026 秋季展会邀请名单", "kind": "static", "description": "市场部手工挑选的展会邀请对象。"},
    ]  # fmt: skip
    made = [_safely(progress, lambda d=data: services.segment_create(actor=actor, data=d)) for data in segments]
    contacts = list(Contact.objects.exclude(email="").order_by("id")[:24])
    static = made[2]
    if isinstance(static, Segment) and contacts:
        _safely(progress, lambda: services.segment_add_contacts(actor=actor, segment=static,
                                                              contact_ids=[c.pk for c in contacts[:12]]))  # fmt: skip
    admin = result.users.get("admin") or actor
    for i, contact in enumerate(contacts[:10]):
        status = "out" if i in (3, 7) else "in"
        channel = Channel.EMAIL if i % 2 == 0 else Channel.WECHAT
        _safely(progress, lambda c=contact, s=status, ch=channel: consent.consent_set(
            actor=admin, contact=c, channel=ch, status=s, source="form" if s == "in" else "verbal"))  # fmt: skip
    if len(contacts) > 11:
        token = consent.unsubscribe_token(contact_id=contacts[11].pk, channel=Channel.EMAIL)
        _safely(progress, lambda: consent.unsubscribe(token=token))
    _safely(progress, lambda: consent.suppression_add(actor=actor, channel=Channel.EMAIL, address="bounce@example.cn",
                                                      reason="bounced", note="退信：邮箱不存在"))  # fmt: skip
    if isinstance(static, Segment) and isinstance(made[0], Segment):
        _campaigns_demo(actor=actor, static=static, segment=made[0], progress=progress)
    if isinstance(made[0], Segment) and isinstance(made[1], Segment):
        from .demo_campaigns import email_campaigns_demo

        email_campaigns_demo(actor=actor, segments=(made[0], made[1]), now=now, progress=progress,
                             safely=lambda run: _safely(progress, run))  # fmt: skip
    result.counts["segments"] += sum(1 for s in made if s is not None)


def _campaigns_demo(*, actor: Any, static: Any, segment: Any, progress: Any) -> None:
    """Two finished campaigns: a WeChat push (the logging provider: nothing leaves the machine) and a phone
    campaign whose call list was worked through, the calls logged as follow-ups."""
    from . import campaigns

    invitation = {
        "name": "2026 秋季展会邀请（微信）", "channel": "wechat", "segment": static.pk, "budget": "3000",
        "cost": "2600", "goal": "邀请重点客户参加秋季展会", "expected_responses": 5,
        "body": "{{ name }}您好！{{ company }}诚邀您参加 2026 秋季展会，{{ custom }}", "custom_text": "展位号 A-18。",
    }  # fmt: skip
    push = _safely(progress, lambda: campaigns.campaign_create(actor=actor, data=invitation))
    if push is not None and _safely(progress, lambda: campaigns.campaign_start(actor=actor, campaign=push)):
        while campaigns.campaign_send_batch(campaign_id=push.pk):
            pass
    calls = _safely(progress, lambda: campaigns.campaign_create(actor=actor, data={
        "name": "A 级客户年终回访（电话）", "channel": "phone", "segment": segment.pk, "budget": "0",
        "goal": "年终回访，了解明年采购计划"}))  # fmt: skip
    if calls is not None and _safely(progress, lambda: campaigns.campaign_start(actor=actor, campaign=calls)):
        for delivery in calls.deliveries.select_related("contact__customer__owner", "campaign")[:6]:
            caller = delivery.contact.customer.owner or actor
            _safely(progress, lambda d=delivery, c=caller: campaigns.call_log(
                actor=c, delivery=d, result="客户反馈良好，明年预计增加采购"))  # fmt: skip
    # a trade-fair campaign whose ¥25,000 budget waits for the marketing manager's manager (the default rule)
    fair_fields = {
        "name": "2027 春季行业展会（邮件）", "channel": "email", "segment": segment.pk, "budget": "25000",
        "goal": "展会前邀约 A 级客户到展位洽谈", "expected_responses": 20,
        "subject": "{{ name }}，诚邀您莅临 2027 春季展会",
        "body": "{{ name }}您好！{{ company }}诚邀您莅临 2027 春季行业展会，{{ custom }}",
        "custom_text": "展位号 B-06。",
    }  # fmt: skip
    fair = _safely(progress, lambda: campaigns.campaign_create(actor=actor, data=fair_fields))
    if fair is not None:
        from .budget import budget_submit

        _safely(progress, lambda: budget_submit(actor=actor, campaign=fair))
