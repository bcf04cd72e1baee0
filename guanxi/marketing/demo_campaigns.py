"""Two finished e-mail campaigns in the demo company, sent through the real send path so every campaign page,
the ROI per channel and the 360 Marketing tab have figures to show:

* 「2026 秋季新品发布（邮件）」 to the A-level accounts' contacts, 45 days ago: recipients recorded by
  `campaign_start`, each message composed, tracked and handed to the e-mail provider by `campaign_send_batch`,
  then opens and clicks recorded as the tracking links record them, one recipient unsubscribing by the
  message's own link, three answering the campaign's enquiry form (leads tagged with the campaign), and two deals
  opened with touched customers and won (¥168,000 and ¥212,000, attributed first and last touch; deals the
  sales demo opened with touched customers within 90 days count as well, as the rule says).
* 「年终答谢会邀请（邮件）」 to the decision makers, 12 days ago: the unsubscribed contact is left out of it (the
  next send honours the unsubscribe), two answer, one deal is open.

Their costs are what such campaigns cost a company of this size, the launch event and the year-end dinner
included (¥182,600 and ¥118,500, each budget approved through the approval engine before the start), so the
e-mail channel's return is in the low hundreds of percent, not thousands.

The messages go to Django's dummy e-mail backend whatever the installation's settings: the demo's addresses are
made up, so nothing leaves the machine. The send path stamps the real time; the demo then moves the campaign's
times back to its story's days, as the other demo steps date their records.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.mail import get_connection

from . import campaigns, consent
from .budget import budget_needs_approval, budget_submit
from .channels import EmailProvider
from .leads import campaign_lead_ref
from .models import Campaign, Channel, Delivery

DUMMY_EMAIL = "django.core.mail.backends.dummy.EmailBackend"
LAUNCH = {
    "name": "2026 秋季新品发布（邮件）", "channel": "email", "budget": "190000", "cost": "182600",
    "goal": "向 A 级客户介绍秋季新品，邀约演示（含发布会场地与直播、演示样机、上门演示差旅）", "expected_responses": 5,
    "subject": "{{ name }}，{{ company }}专属：2026 秋季新品抢先看",
    "body": "{{ name }}您好！\n\n我们的 2026 秋季新品已经发布，{{ custom }}\n详情：https://www.guanxi-demo.cn/autumn-2026\n\n"
            "您的客户经理 {{ owner }}",
    "custom_text": "A 级客户可预约上门演示并享首年九折。",
}  # fmt: skip
THANKS = {
    "name": "年终答谢会邀请（邮件）", "channel": "email", "budget": "130000", "cost": "118500",
    "goal": "邀请决策人参加年终客户答谢会（含酒店场地、晚宴与伴手礼）", "expected_responses": 4,
    "subject": "诚邀{{ name }}出席年终客户答谢会",
    "body": "{{ name }}您好！\n\n感谢{{ company }}一年来的信任与支持，{{ custom }}\n报名：https://www.guanxi-demo.cn/thanks-2026",
    "custom_text": "12 月 20 日下午两点，上海浦东香格里拉酒店。",
}  # fmt: skip


def email_campaigns_demo(
    *, actor: Any, segments: tuple[Any, Any], now: dt.datetime, safely: Any, progress: Any
) -> list[Campaign]:
    """The two campaigns (see the module's text); `safely` runs a step in a savepoint and reports a refusal."""
    a_level, deciders = segments
    progress("Marketing: two finished e-mail campaigns…")
    launch = _send(actor=actor, data={**LAUNCH, "segment": a_level.pk}, at=now - dt.timedelta(days=45), safely=safely)
    if launch is None:
        return []
    sent = list(launch.deliveries.filter(status=Delivery.Status.SENT).select_related("contact__customer__owner")
                .order_by("pk"))  # fmt: skip
    _track(sent, at=launch.started_at)
    leaving = next((d for d in sent if d.contact.is_decision_maker), None)
    if leaving is not None:  # the message's own one-click link
        consent.unsubscribe(token=consent.unsubscribe_token(contact_id=leaving.contact_id, channel=Channel.EMAIL,
                                                            campaign_id=launch.pk))  # fmt: skip
    others = [d for d in sent if d is not leaving and d.clicks]
    _answer(launch, others[:3], safely=safely)
    _deal(others[:1] or sent[:1], at=launch.started_at, won=True, name="秋季新品首年订购", safely=safely)
    _deal(others[1:2] or sent[1:2], at=launch.started_at, won=True, name="演示后扩容采购", amount="212000",
          safely=safely)  # fmt: skip
    thanks = _send(actor=actor, data={**THANKS, "segment": deciders.pk}, at=now - dt.timedelta(days=12),
                   safely=safely)  # fmt: skip
    if thanks is None:
        return [launch]
    sent = list(thanks.deliveries.filter(status=Delivery.Status.SENT).select_related("contact__customer__owner")
                .order_by("pk"))  # fmt: skip
    _track(sent, at=thanks.started_at)
    answered = [d for d in sent if d.clicks]
    _answer(thanks, answered[:2], safely=safely)
    _deal(answered[1:2] or sent[-1:], at=thanks.started_at, won=False, name="年度服务续约", safely=safely)
    return [launch, thanks]


def _send(*, actor: Any, data: dict[str, Any], at: dt.datetime, safely: Any) -> Campaign | None:
    """Create, have the budget approved, start (every recipient recorded) and send in the worker's batches until
    finished; then date it."""
    from guanxi.approvals.demo import demo_approve_all

    campaign = safely(lambda: campaigns.campaign_create(actor=actor, data=data))
    if campaign is not None and budget_needs_approval(campaign):
        safely(lambda: budget_submit(actor=actor, campaign=campaign))
        safely(lambda: demo_approve_all(campaign, at=at - dt.timedelta(days=10)))  # approved before the send
        campaign.refresh_from_db()
    if campaign is None or not safely(lambda: campaigns.campaign_start(actor=actor, campaign=campaign, now=at)):
        return None
    provider = EmailProvider(connection=get_connection(DUMMY_EMAIL))
    while campaigns.campaign_send_batch(campaign_id=campaign.pk, now=at, provider=provider):
        pass
    campaign.deliveries.filter(status=Delivery.Status.SENT).update(sent_at=at + dt.timedelta(minutes=3))
    Campaign.objects.filter(pk=campaign.pk).update(finished_at=at + dt.timedelta(minutes=5))
    campaign.refresh_from_db()
    return campaign


def _track(sent: list[Delivery], *, at: dt.datetime) -> None:
    """About two in three open (some more than once), one in four clicks, as the tracking links record them."""
    for i, delivery in enumerate(sent):
        if i % 3 == 2:
            continue
        for _ in range(1 + i % 2):
            campaigns.record_open(delivery.pk)
        if i % 4 == 0:
            campaigns.record_click(delivery.pk)
            delivery.clicks = 1
    ids = [d.pk for d in sent]
    Delivery.objects.filter(pk__in=ids, opened_at__isnull=False).update(opened_at=at + dt.timedelta(hours=2))
    Delivery.objects.filter(pk__in=ids, clicked_at__isnull=False).update(clicked_at=at + dt.timedelta(hours=3))


def _answer(campaign: Campaign, deliveries: list[Delivery], *, safely: Any) -> None:
    """Recipients who clicked fill in the campaign's enquiry form: leads tagged with the campaign."""
    from guanxi.sales.leads.services.web import web_lead_submit

    for delivery in deliveries:
        contact = delivery.contact
        data = {
            "company_name": contact.customer.name, "person_name": contact.name, "email": contact.email,
            "mobile": contact.mobile, "title": contact.title, "need": f"看到「{campaign.name}」，希望进一步了解。",
            "referral": campaign_lead_ref(campaign),
        }  # fmt: skip
        safely(lambda d=data: web_lead_submit(data=d))


def _deal(
    deliveries: list[Delivery], *, at: dt.datetime, won: bool, name: str, safely: Any, amount: str = "168000"
) -> None:
    """A deal opened with a touched customer a week after the send (attributed to the campaign), won three weeks
    later when `won`."""
    from guanxi.sales.opportunities.services.lifecycle import opportunity_close, opportunity_create

    customer = deliveries[0].contact.customer if deliveries else None
    if customer is None or customer.owner is None:
        return
    opened = at + dt.timedelta(days=7)
    opp = safely(lambda: opportunity_create(
        actor=customer.owner, customer=customer, now=opened,
        data={"name": f"{customer.name[:10]} {name}", "amount": Decimal(amount),
              "expected_close_date": (opened + dt.timedelta(days=30)).date(), "next_step": "报价确认"},
    ))  # fmt: skip
    if opp is not None:  # opened on the story's day (the service stamps its creation now)
        type(opp).objects.filter(pk=opp.pk).update(created_at=opened)
    if opp is not None and won:
        safely(lambda: opportunity_close(actor=customer.owner, opportunity=opp, won=True, note="客户已签署合同",
                                         now=opened + dt.timedelta(days=21)))  # fmt: skip
