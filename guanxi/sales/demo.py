"""The demo company's opportunities (销售机会), built through the services as a demo step (registry.add_demo_step).

About 60 deals of the sales reps across the default pipeline, with back-dated stage history (so the funnel,
time in stage, stalled flags and conversion show real figures), some won and lost (with reasons and competitors,
most closings confirmed by the managers), follow-ups and tasks linked to deals, and targets for this month and
quarter per rep and per department (the north department's split among its people). Deterministic per seed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from guanxi.customers.models import Customer
from guanxi.org.models import User

from .opportunities import services
from .opportunities.funnel import period_for
from .opportunities.models import Competitor, LostReason, Opportunity, OpportunityContact, Stage
from .targets import services as target_services

# (username, number of deals): the reps of the demo company and the team lead who also sells.
DEAL_OWNERS = [("zhangwei", 18), ("lina", 14), ("wangfang", 16), ("yangfan", 8), ("sunhao", 4)]
PRODUCTS = [
    ("CRM 客户管理系统", 80_000, 600_000),
    ("数据中台建设", 300_000, 2_500_000),
    ("视频会议系统", 60_000, 400_000),
    ("服务器扩容", 120_000, 900_000),
    ("网络安全等保改造", 150_000, 1_200_000),
    ("ERP 升级", 200_000, 1_800_000),
    ("智慧园区平台", 500_000, 3_000_000),
    ("云桌面", 90_000, 700_000),
    ("呼叫中心", 100_000, 800_000),
    ("移动办公平台", 50_000, 300_000),
    ("财务共享中心", 250_000, 1_500_000),
    ("供应链协同平台", 300_000, 2_000_000),
]
PHASES = ["一期", "二期", "扩容", "年度续约", "试点"]
NEXT_STEPS = [
    "约客户技术负责人做方案交流",
    "发送正式报价单",
    "安排样板客户参观",
    "与采购确认招标时间",
    "提交商务合同初稿",
    "确认预算与立项审批进度",
]
COMPETITORS = [
    ("金蝶", "产品线全，财务模块强", "定制开发周期长"),
    ("用友", "大客户案例多，渠道覆盖广", "价格偏高"),
    ("纷享销客", "移动端体验好", "复杂流程支持弱"),
    ("销售易", "外企客户多", "本地化服务一般"),
]
SOURCES = [
    Opportunity.Source.CUSTOMER,
    Opportunity.Source.LEAD,
    Opportunity.Source.LEAD,
    Opportunity.Source.CAMPAIGN,
    Opportunity.Source.PARTNER,
]
# Where the deals end up: (index of the last open stage reached, outcome) with weights.
PATHS = [((0, None), 9), ((1, None), 9), ((2, None), 8), ((3, None), 6), ((3, "won"), 10), ((2, "lost"), 4)]
PATHS += [((1, "lost"), 3), ((3, "lost"), 2)]


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)))


def _amount(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low, high, 1000))


def _pick_path(rng: random.Random) -> tuple[int, str | None]:
    return rng.choices([p for p, _w in PATHS], weights=[w for _p, w in PATHS])[0]


def demo_opportunities(*, result: Any, gen: Any, now: dt.datetime, progress: Callable[[str], None]) -> None:
    progress("Opportunities…")
    rng = random.Random(gen.rng.random())
    users: dict[str, User] = result.users
    admin = users["admin"]
    competitors = [
        services.competitor_save(actor=admin, data={"name": n, "strengths": s, "weaknesses": w})
        for n, s, w in COMPETITORS
    ]
    reasons = list(LostReason.objects.filter(is_active=True).order_by("sort_order"))
    pipeline = services.default_pipeline()
    stages = list(pipeline.stages.filter(kind=Stage.Kind.OPEN, is_active=True).order_by("sort_order", "id"))
    today = timezone.localdate(now)
    month = period_for("month", today)
    quarter = period_for("quarter", today)
    made: list[Opportunity] = []
    for username, count in DEAL_OWNERS:
        owner = users.get(username)
        if owner is None:
            continue
        customers = list(Customer.objects.filter(owner=owner).order_by("id")[: max(count, 1)])
        if result.flagship is not None and result.flagship.owner_id == owner.pk:
            customers = [result.flagship] + [c for c in customers if c.pk != result.flagship.pk]
        for i in range(count):
            customer = customers[i % len(customers)] if customers else None
            if customer is None:
                break
            made.append(
                _deal(
                    rng=rng,
                    owner=owner,
                    customer=customer,
                    stages=stages,
                    reasons=reasons,
                    competitors=competitors,
                    now=now,
                    month=month,
                    quarter=quarter,
                    flagship=i == 0 and customer == result.flagship,
                )
            )
    made += _agent_deal(rng, users, now=now, month=month, competitors=competitors)
    _confirm_closings(users, made)
    _activities(rng, users, made, now)
    _targets(rng, users, result, made, month, quarter)
    target_services.forecast_snapshot_take(now=now)
    result.counts["opportunities"] = len(made)
    result.counts["opportunities_won"] = sum(1 for o in made if o.status == Opportunity.Status.WON)


@dataclass
class _Timeline:
    """Where a demo deal got to and when: the last stage reached, won/lost/None, days per stage, its start,
    its expected signing date and its forecast category."""

    last_stage: int
    outcome: str | None
    steps: list[int]
    started: dt.datetime
    close_on: dt.date
    category: str


def _deal(
    *,
    rng: random.Random,
    owner: User,
    customer: Customer,
    stages: list[Stage],
    reasons: list[LostReason],
    competitors: list[Competitor],
    now: dt.datetime,
    month: Any,
    quarter: Any,
    flagship: bool,
) -> Opportunity:
    # The order of the random draws is the demo's: the same seed gives the same company.
    product, low, high = rng.choice(PRODUCTS)
    timeline = _timeline(rng, flagship=flagship, now=now, month=month, quarter=quarter)
    opp = _open_deal(
        rng,
        owner=owner,
        customer=customer,
        product=product,
        low=low,
        high=high,
        timeline=timeline,
        competitors=competitors,
    )
    Opportunity.objects.filter(pk=opp.pk).update(created_at=timeline.started)
    at, latest = timeline.started, now - dt.timedelta(hours=3)
    for index in range(1, timeline.last_stage + 1):
        at = min(at + dt.timedelta(days=timeline.steps[index - 1], hours=rng.randint(0, 6)), latest)
        opp = services.opportunity_move_stage(actor=owner, opportunity=opp, stage=stages[index], now=at)
    if timeline.outcome is not None:
        at = min(at + dt.timedelta(days=timeline.steps[-1], hours=rng.randint(0, 6)), latest)
        won = timeline.outcome == "won"
        opp = _close_deal(rng, owner=owner, opp=opp, won=won, at=at, reasons=reasons, competitors=competitors)
    return opp


def _timeline(rng: random.Random, *, flagship: bool, now: dt.datetime, month: Any, quarter: Any) -> _Timeline:
    last_stage, outcome = (3, None) if flagship else _pick_path(rng)
    # Open deals started 5–150 days ago; each stage took 3–35 days (some stay long enough to count as stalled).
    steps = [rng.randint(3, 35) for _ in range(last_stage + (1 if outcome else 0))]
    age = sum(steps) + rng.randint(1, 40 if outcome is None else 20)
    if outcome == "won" and rng.random() < 0.55:  # about half the wins land in this month, for the targets
        age = sum(steps) + rng.randint(0, min(3, (now.date() - month.date_from).days))
    started = now - dt.timedelta(days=age, hours=rng.randint(4, 8))
    if outcome is None:
        close_on = rng.choice([quarter.date_to, month.date_to, now.date() + dt.timedelta(days=rng.randint(10, 120))])
    else:
        close_on = (started + dt.timedelta(days=sum(steps))).date()
    category: str = Opportunity.ForecastCategory.PIPELINE
    if outcome is None and last_stage >= 3:
        category = Opportunity.ForecastCategory.COMMIT
    elif outcome is None and last_stage == 2:
        category = rng.choice([Opportunity.ForecastCategory.BEST_CASE, Opportunity.ForecastCategory.PIPELINE])
    return _Timeline(last_stage, outcome, steps, started, close_on, category)


def _open_deal(
    rng: random.Random,
    *,
    owner: User,
    customer: Customer,
    product: str,
    low: int,
    high: int,
    timeline: _Timeline,
    competitors: list[Competitor],
) -> Opportunity:
    short = customer.name.replace("有限公司", "").replace("股份", "")[:10]
    contacts = list(customer.contacts.all()[:3])
    roles = [OpportunityContact.Role.DECISION_MAKER, OpportunityContact.Role.INFLUENCER, OpportunityContact.Role.USER]
    quantity = rng.choice([1, 1, 1, 2, 5, 10])
    amount = _amount(rng, low, high)
    unit = (amount / quantity).quantize(Decimal("0.01"))
    return services.opportunity_create(
        actor=owner,
        customer=customer,
        data={
            "name": f"{short} {product}{rng.choice([p for p in PHASES if p not in product])}",
            "amount": unit * quantity,
            "expected_close_date": timeline.close_on,
            "source": rng.choice(SOURCES),
            "next_step": rng.choice(NEXT_STEPS),
            "forecast_category": timeline.category,
            "competitors": rng.sample(competitors, rng.randint(0, 2)),
        },
        contacts=list(zip(contacts, roles, strict=False)),
        lines=[{"description": product, "quantity": quantity, "unit_price": unit}],
        now=timeline.started,
    )


def _close_deal(
    rng: random.Random,
    *,
    owner: User,
    opp: Opportunity,
    won: bool,
    at: dt.datetime,
    reasons: list[LostReason],
    competitors: list[Competitor],
) -> Opportunity:
    lost_to = rng.choice(competitors) if not won and rng.random() < 0.6 else None
    reason = next((r for r in reasons if r.name == "Lost to a competitor"), reasons[0]) if lost_to else None
    return services.opportunity_close(
        actor=owner,
        opportunity=opp,
        won=won,
        lost_reason=(reason or rng.choice(reasons)) if not won else None,
        lost_to=lost_to,
        note="客户已签署合同" if won else "",
        now=at,
    )


def _agent_deal(
    rng: random.Random, users: dict[str, User], *, now: dt.datetime, month: Any, competitors: list[Competitor]
) -> list[Opportunity]:
    """The agent 马强 (a partner organisation's rep) brings one deal expected to close this month, so an agent's
    dashboard and the agents' league have a deal to show."""
    agent = users.get("maqiang")
    customer = Customer.objects.filter(owner=agent).order_by("id").first() if agent is not None else None
    if agent is None or customer is None:
        return []
    timeline = _Timeline(
        0, None, [12], now - dt.timedelta(days=12, hours=5), month.date_to, Opportunity.ForecastCategory.BEST_CASE
    )
    deal = _open_deal(
        rng,
        owner=agent,
        customer=customer,
        product="云桌面",
        low=90_000,
        high=300_000,
        timeline=timeline,
        competitors=competitors,
    )
    Opportunity.objects.filter(pk=deal.pk).update(created_at=timeline.started)  # as the other deals: back-dated
    deal.created_at = timeline.started
    return [deal]


def _confirm_closings(users: dict[str, User], made: list[Opportunity]) -> None:
    """The department managers confirm most closings (the newest few wait, so the 'to confirm' state shows)."""
    closed = sorted((o for o in made if o.status != Opportunity.Status.OPEN), key=lambda o: o.closed_at or o.created_at)
    for opp in closed[:-4]:
        manager = opp.owner.manager
        while manager is not None and not manager.roles.filter(code="department_manager").exists():
            manager = manager.manager
        manager = manager or users["admin"]
        services.opportunity_confirm_close(actor=manager, opportunity=opp)


def _activities(rng: random.Random, users: dict[str, User], made: list[Opportunity], now: dt.datetime) -> None:
    """Follow-ups and tasks about the open deals (the customers' follow-up and task models), a stage document."""
    # a customer its owner has left alone for a month stays so (the dashboards' forgotten customers)
    left_alone = set(
        Customer.objects.filter(
            pk__in={o.customer_id for o in made}, last_contact_at__lt=now - dt.timedelta(days=30)
        ).values_list("pk", flat=True)
    )
    open_deals = [o for o in made if o.status == Opportunity.Status.OPEN and o.customer_id not in left_alone]
    for n, opp in enumerate(open_deals[:20]):
        services.opportunity_log_follow_up(
            actor=opp.owner,
            opportunity=opp,
            data={
                "method": rng.choice(["phone", "visit", "wechat"]),
                "occurred_at": now - dt.timedelta(days=rng.randint(0, 12), hours=rng.randint(1, 8)),
                "content": f"沟通{opp.name}：{rng.choice(NEXT_STEPS)}",
            },
        )
        if n % 3 == 0:
            services.opportunity_add_task(
                actor=opp.owner,
                opportunity=opp,
                data={"title": f"{opp.next_step}（{opp.name[:12]}）", "due_at": now + dt.timedelta(days=n % 7 + 1)},
            )
    first = open_deals[0] if open_deals else None
    if first is not None:
        notes = "需求调研纪要\n1. 现有系统：Excel + 邮件\n2. 目标：统一客户与商机管理\n".encode()
        services.opportunity_document_add(
            actor=first.owner, opportunity=first, file=SimpleUploadedFile("需求调研纪要.txt", notes)
        )


def _round_target(value: Decimal) -> int:
    return max(300_000, int(round(float(value), -5)))


def _targets(
    rng: random.Random, users: dict[str, User], result: Any, made: list[Opportunity], month: Any, quarter: Any
) -> None:
    """Signed-amount targets for this month and quarter per rep, set so that completion reads 40–120 %, and per
    sales department (north's split among its people, so the roll-up adds up; east's not split yet)."""
    admin = users["admin"]
    won_this_month: dict[str, Decimal] = {}
    for opp in made:
        if opp.status == Opportunity.Status.WON and opp.closed_at and opp.closed_at >= month.start:
            won_this_month[opp.owner.username] = won_this_month.get(opp.owner.username, Decimal(0)) + opp.amount
    monthly: dict[str, int] = {}
    for username, _count in DEAL_OWNERS:
        if username not in users:
            continue
        actual = won_this_month.get(username, Decimal(0))
        monthly[username] = _round_target(actual / Decimal(str(rng.uniform(0.4, 1.2)))) if actual else 600_000
        for period, kind, value in ((month, "month", monthly[username]), (quarter, "quarter", monthly[username] * 3)):
            target_services.target_set(
                actor=admin,
                owner=users[username],
                period_kind=kind,
                period_start=period.date_from,
                metric="signed_amount",
                value=value,
            )
        target_services.target_set(
            actor=admin,
            owner=users[username],
            period_kind="month",
            period_start=month.date_from,
            metric="new_opportunities",
            value=4,
        )
    north, east = result.departments.get("north"), result.departments.get("east")
    if north is not None:
        members = [u for u in ("zhangwei", "lina", "sunhao") if u in monthly]
        dept = target_services.target_set(
            actor=admin,
            department=north,
            period_kind="month",
            period_start=month.date_from,
            metric="signed_amount",
            value=sum(monthly[u] for u in members),
        )
        target_services.target_split(actor=admin, target=dept, allocations=[(users[u], monthly[u]) for u in members])
    if east is not None:
        target_services.target_set(
            actor=admin,
            department=east,
            period_kind="month",
            period_start=month.date_from,
            metric="signed_amount",
            value=monthly.get("wangfang", 600_000) + 500_000,
        )
