"""The demo's customer care and events: birthdays this week on a few key contacts, greetings for birthdays (key
accounts called by their owner), 春节 and 中秋, and a seminar that took place last week, whose registrants came
through the public form and whose attendees were checked in at the door (each now a lead of its campaign)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .demo import MARKETER, _safely


def care_demo_build(*, result: Any, gen: Any, now: dt.datetime, progress: Any) -> None:
    from guanxi.customers.models import Contact

    from . import care, events
    from .models import Campaign

    actor = result.users.get(MARKETER) or result.users.get("admin")
    if actor is None:
        return
    progress("Customer care greetings and an event…")
    today = now.date()
    # birthdays this week: three contacts of key accounts, today, in two days and in four
    key_contacts = Contact.objects.filter(customer__level="A", customer__owner__isnull=False).exclude(email="")
    for offset, contact in zip((0, 2, 4), key_contacts.order_by("id")[:3], strict=False):
        day = today + dt.timedelta(days=offset)
        born = dt.date(1975 + offset * 3, day.month, min(day.day, 28) if (day.month, day.day) == (2, 29) else day.day)
        Contact.objects.filter(pk=contact.pk).update(birthday=born)
    greetings = [
        {"name": "生日祝福（邮件）", "occasion": "birthday", "channel": "email", "subject": "{{ name }}，生日快乐！",
         "body": "尊敬的{{ name }}：\n值此生日之际，{{ owner }}和全体同事祝您生日快乐、万事如意！\n{{ custom }}",
         "custom_text": "感谢您一直以来对我们的信任。", "call_levels": ["A"]},
        {"name": "春节问候（短信）", "occasion": "spring_festival", "channel": "sms",
         "body": "{{ name }}您好，新春佳节，恭祝您和家人新年快乐、阖家幸福！—{{ owner }}"},
        {"name": "中秋问候（邮件）", "occasion": "mid_autumn", "channel": "email", "subject": "花好月圆，中秋快乐",
         "body": "尊敬的{{ name }}（{{ company }}）：\n祝您中秋快乐，阖家团圆！"},
        {"name": "中秋问候（英文邮件）", "occasion": "mid_autumn", "channel": "email", "language": "en",
         "subject": "Happy Mid-Autumn Festival", "body": "Dear {{ name }},\nwarm wishes for the Mid-Autumn Festival.",
         "active": False},
    ]  # fmt: skip
    for data in greetings:
        _safely(progress, lambda d=data: care.greeting_create(actor=actor, data=d))
    # today's birthdays go out now (the worker would do the same within five minutes)
    _safely(progress, lambda: care.greetings_due(now=now))
    _care_plan_demo(result=result, now=now, progress=progress)
    campaign = Campaign.objects.filter(name__startswith="2026 秋季展会邀请").first()
    seminar = _safely(progress, lambda: events.event_create(actor=actor, data={
        "name": "2026 秋季新品研讨会", "kind": "seminar", "campaign": campaign.pk if campaign else None,
        "starts_at": now + dt.timedelta(days=1), "venue": "上海国际会议中心 3 号厅", "capacity": 80,
        "description": "新品发布与行业趋势分享，会后安排一对一洽谈。"}))  # fmt: skip
    if seminar is None:
        return
    people = [("周杰", "杭州云栖科技有限公司", "13600136001"), ("吴敏", "苏州博远制造有限公司", "13600136002"),
              ("郑浩", "南京汇通物流有限公司", "13600136003"), ("冯雪", "宁波海联贸易有限公司", "13600136004"),
              ("陈龙", "合肥中科仪器有限公司", "13600136005")]  # fmt: skip
    registered = [
        _safely(progress, lambda n=n, c=c, m=m: events.registration_submit(
            event=seminar, data={"name": n, "company": c, "mobile": m, "email": f"{m}@example.cn"}))
        for n, c, m in people
    ]  # fmt: skip
    for registration in [r for r in registered if r is not None][:3]:  # three came, two did not
        _safely(progress, lambda r=registration: events.registration_check_in(actor=actor, registration=r))
    # a contact of the first customer with a contract (a member in the membership demo) came too: the customer's
    # Care tab lists it, and the membership's "event attended" rule pays its points
    from guanxi.commerce.models import Contract
    from guanxi.customers.models import Contact

    first = Contract.objects.order_by("pk").values_list("customer_id", flat=True).first()
    guest = Contact.objects.filter(customer_id=first).exclude(mobile="").select_related("customer").order_by("pk")
    guest = guest.first()
    if guest is not None:
        data = {"name": guest.name, "company": guest.customer.name, "mobile": guest.mobile, "email": guest.email}
        came = _safely(progress, lambda: events.registration_submit(event=seminar, data=data))
        if came is not None:
            _safely(progress, lambda: events.registration_check_in(actor=actor, registration=came))
    # it took place last week
    from .models_events import Event

    Event.objects.filter(pk=seminar.pk).update(starts_at=now - dt.timedelta(days=6), registration_open=False)


def _care_plan_demo(*, result: Any, now: dt.datetime, progress: Any) -> None:
    """A VIP care plan (a visit a quarter, a call a month, a gift a year) on three key customers, started ten days
    ago: one customer was visited (a follow-up), the others' care is overdue and flagged to their managers."""
    from guanxi.customers.models import Customer
    from guanxi.customers.services import follow_up_create

    from . import care_plans

    admin = result.users.get("admin")
    if admin is None:
        return
    plan = _safely(progress, lambda: care_plans.care_plan_create(actor=admin, data={
        "name": "VIP 客户关怀计划", "levels": [],
        "steps": [{"kind": "visit", "every_months": 3}, {"kind": "call", "every_months": 1},
                  {"kind": "gift", "every_months": 12}]}))  # fmt: skip
    if plan is None:
        return
    vips = list(Customer.objects.filter(level="A", owner__isnull=False).order_by("id")[:3])
    _safely(progress, lambda: care_plans.care_plan_add_customers(actor=admin, plan=plan,
                                                                 customer_ids=[c.pk for c in vips]))  # fmt: skip
    care_plans.care_plans_run(now=now - dt.timedelta(days=10))
    if vips and vips[0].owner is not None:
        owner = vips[0].owner
        _safely(progress, lambda: follow_up_create(actor=owner, customer=vips[0], data={
            "method": "visit", "content": "VIP 季度拜访：赠送新年礼品，沟通明年合作计划。"}))  # fmt: skip
    care_plans.care_plans_run(now=now)
