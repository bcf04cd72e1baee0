"""Membership in the demo company: the programme (tiers by points earned over a year: 普卡, 银卡 from 1,000, 金卡
from 5,000), four earning rules (one per event attended), nine members — the customers with contracts first, then
key accounts — with the points they brought from the old programme (imported at enrolment, spread so that all
three tiers hold members) and those the rules earn them from the demo's payments and contracts, one redemption, a
coupon used on a contract and two points corrections (one awaiting approval). Everything through the services and
the worker's own jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..demo import _safely
from . import corrections, ledger, services
from .earning import points_earn_due
from .tiers import tiers_review

MARKETER = "xujing"


# The points each member brought from the old programme (金卡, 银卡 and 普卡 three each).
OPENING_POINTS = (8800, 6400, 5200, 3100, 2200, 1300, 600, 300, 0)
TIERS = (
    ("普卡", "0", "生日礼遇"),
    ("银卡", "1000", "年度答谢会邀请，95 折"),
    ("金卡", "5000", "专属客户经理，9 折，优先交付"),
)


def loyalty_demo_build(*, result: Any, gen: Any, now: dt.datetime, progress: Any) -> None:
    from guanxi.commerce.models import Contract
    from guanxi.customers.models import Customer

    admin = result.users.get("admin")
    actor = result.users.get(MARKETER) or admin
    if admin is None or actor is None:
        return
    progress("Membership: tiers, earning rules, members, points and a coupon…")
    with_contracts = list(Contract.objects.order_by("pk").values_list("customer_id", flat=True).distinct())
    key_accounts = Customer.objects.filter(level="A").exclude(pk__in=with_contracts).order_by("pk")
    chosen = list(dict.fromkeys([*with_contracts, *key_accounts.values_list("pk", flat=True)]))[: len(OPENING_POINTS)]
    _safely(progress, lambda: services.programme_update(actor=admin, data={"tier_basis": "points",
                                                                           "tier_period_days": 365}))  # fmt: skip
    for name, threshold, benefits in TIERS:
        _safely(progress, lambda n=name, t=threshold, b=benefits: services.tier_create(
            actor=admin, data={"name": n, "threshold": t, "benefits": b}))  # fmt: skip
    for rule in ({"name": "回款每 100 元积 1 分", "trigger": "payment", "points": 1, "per_amount": "100"},
                 {"name": "签约奖励 200 分", "trigger": "contract", "points": 200},
                 {"name": "营销活动响应 20 分", "trigger": "campaign_response", "points": 20},
                 {"name": "活动签到 50 分", "trigger": "event_attended", "points": 50}):  # fmt: skip
        _safely(progress, lambda r=rule: services.earning_rule_create(actor=admin, data=r))
    members = []
    joined = (now - dt.timedelta(days=400)).date()
    for customer_id, opening in zip(chosen, OPENING_POINTS, strict=False):
        member = _safely(progress, lambda c=customer_id: services.member_enrol(
            actor=admin, data={"customer": c, "joined_on": joined}))  # fmt: skip
        if member is None:
            continue
        members.append(member)
        if opening:
            ledger.points_earn(member=member, points=opening, source=f"opening:{member.pk}", rule=None,
                               note="开卡时导入的原会员积分", at=now - dt.timedelta(days=60))  # fmt: skip
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
    # two corrections by the marketer: a small one applied at once, a large one awaiting her manager's approval
    if len(members) > 1:
        _safely(progress, lambda: corrections.points_correction_request(actor=actor, member=members[1], points=80,
                                                                        note="补录线下活动积分"))  # fmt: skip
        _safely(progress, lambda: corrections.points_correction_request(actor=actor, member=members[1], points=800,
                                                                        note="老会员系统迁移漏记积分"))  # fmt: skip
    result.counts["members"] = len(members)
