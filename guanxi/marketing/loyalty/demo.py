"""Membership in the demo company: the programme (tiers by spending over a year: 普卡, 银卡, 金卡), three earning
rules, members among the customers with the most, middling and least payments (so all three tiers hold someone),
their points earned by the rules from the demo's payments and contracts, one redemption and a coupon used on a
contract — all through the services and the worker's own jobs."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db.models import Sum

from ..demo import _safely
from . import ledger, services
from .earning import points_earn_due
from .tiers import tiers_review

MARKETER = "xujing"


def _floor(amount: Decimal) -> Decimal:
    return (amount / 10000).to_integral_value(rounding=ROUND_DOWN) * 10000


def loyalty_demo_build(*, result: Any, gen: Any, now: dt.datetime, progress: Any) -> None:
    from guanxi.billing.models import Payment
    from guanxi.commerce.models import Contract

    admin = result.users.get("admin")
    actor = result.users.get(MARKETER) or admin
    if admin is None or actor is None:
        return
    progress("Membership: tiers, earning rules, members, points and a coupon…")
    since = now.date() - dt.timedelta(days=365)
    spent = list(
        Payment.objects.filter(received_on__gt=since).values("contract__customer_id").annotate(s=Sum("amount"))
        .order_by("-s", "contract__customer_id")
    )  # fmt: skip
    if len(spent) < 9:
        return
    top, middle, low = spent[:3], spent[len(spent) // 2 : len(spent) // 2 + 3], spent[-3:]
    gold, silver = _floor(top[-1]["s"]), _floor(middle[-1]["s"])
    if not Decimal("0") < silver < gold:
        gold, silver = top[-1]["s"], middle[-1]["s"]
    _safely(progress, lambda: services.programme_update(actor=admin, data={"tier_basis": "spending",
                                                                           "tier_period_days": 365}))  # fmt: skip
    for name, threshold, benefits in (("普卡", Decimal("0"), "生日礼遇"), ("银卡", silver, "年度答谢会邀请，95 折"),
                                      ("金卡", gold, "专属客户经理，9 折，优先交付")):  # fmt: skip
        _safely(progress, lambda n=name, t=threshold, b=benefits: services.tier_create(
            actor=admin, data={"name": n, "threshold": str(t), "benefits": b}))  # fmt: skip
    for rule in ({"name": "回款每 100 元积 1 分", "trigger": "payment", "points": 1, "per_amount": "100"},
                 {"name": "签约奖励 200 分", "trigger": "contract", "points": 200},
                 {"name": "营销活动响应 20 分", "trigger": "campaign_response", "points": 20}):  # fmt: skip
        _safely(progress, lambda r=rule: services.earning_rule_create(actor=admin, data=r))
    members = []
    for row in top + middle + low:
        joined = (now - dt.timedelta(days=400)).date()
        member = _safely(progress, lambda c=row["contract__customer_id"], j=joined: services.member_enrol(
            actor=admin, data={"customer": c, "joined_on": j}))  # fmt: skip
        if member is not None:
            members.append(member)
    points_earn_due(now=now, days=400)
    tiers_review(today=now.date())
    if not members:
        return
    first = members[0]
    first.refresh_from_db()
    if first.points_balance > 500:
        _safely(progress, lambda: ledger.points_redeem(actor=actor, member=first, points=500, note="兑换年终礼品"))
    coupon_data = {"code": "VIP2026", "name": "会员专享 2000 元抵用券", "kind": "amount", "value": "2000",
                   "valid_from": (now.date() - dt.timedelta(days=30)).isoformat(),
                   "valid_until": (now.date() + dt.timedelta(days=90)).isoformat(), "limit_total": 50,
                   "limit_per_member": 1}  # fmt: skip
    coupon = _safely(progress, lambda: services.coupon_create(actor=actor, data=coupon_data))
    contract = Contract.objects.filter(customer_id=first.customer_id).order_by("-signed_on", "-pk").first()
    if coupon is not None and contract is not None:
        _safely(progress, lambda: services.coupon_redeem(actor=admin, member=first, code="VIP2026",
                                                         contract=contract.pk))  # fmt: skip
