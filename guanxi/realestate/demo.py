"""Real-estate sales in the demo company (only where the installation switched them on): one project, 明源·锦绣花园,
with two buildings of units generated from templates, floor and orientation rules, prices, payment schemes and
discounts, part of it released and a few units held — all written through the services as the administrator — and
its sales office's team in the app's own roles (an agent pair, the sales manager, finance, planning) selling to home
buyers: people who came to the sales office, each a customer with a contact."""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import services
from .models import Unit


def realestate_demo_build(*, result: Any, gen: Any, now: dt.datetime, progress: Any) -> None:
    admin = result.users.get("admin")
    if admin is None:
        return
    progress("Real-estate project, buildings and units…")
    project = services.project_create(actor=admin, data={
        "name": "锦绣花园", "address": "上海市浦东新区锦绣路 1888 号", "developer": "锦绣置业有限公司",
        "presale_permits": "浦东新区房管(2026)预字0000123号\n浦东新区房管(2026)预字0000124号", "rounding": "yuan",
    })  # fmt: skip
    a1 = services.layout_add(actor=admin, project=project, data={"name": "A1", "bedrooms": 3, "living_rooms": 2,
                                                                  "bathrooms": 2, "area": "118.50"})  # fmt: skip
    b1 = services.layout_add(actor=admin, project=project, data={"name": "B1", "bedrooms": 2, "living_rooms": 2,
                                                                  "bathrooms": 1, "area": "89.20"})  # fmt: skip
    fine = services.decoration_add(actor=admin, project=project, data={"name": "精装", "price_per_m2": "1500"})
    services.decoration_add(actor=admin, project=project, data={"name": "毛坯", "price_per_m2": "0"})
    phase = services.phase_add(actor=admin, project=project, data={"name": "一期"})
    for name, floors in (("1号楼", 18), ("2号楼", 11)):
        building = services.building_create(
            actor=admin, project=project, data={"name": name, "phase": phase.pk, "permit": "预字0000123号"}
        )
        services.units_generate(actor=admin, building=building, data={
            "floor_from": 1, "floor_to": floors, "units_per_floor": 4, "skip_floors": "4 14",
            "built_area": "89.20", "usable_area": "71.80", "layout": b1.pk, "orientation": "S", "decoration": fine.pk,
            "positions": {"1": {"layout": a1.pk, "built_area": "118.50", "usable_area": "95.10", "orientation": "SN"},
                          "4": {"layout": a1.pk, "built_area": "118.50", "usable_area": "95.10", "orientation": "SN"}},
        })  # fmt: skip
    services.price_rule_add(actor=admin, project=project, data={"floor_from": 2, "floor_to": 6, "adjust_per_m2": "100"})
    services.price_rule_add(actor=admin, project=project, data={"floor_from": 7, "adjust_per_m2": "300"})
    services.price_rule_add(actor=admin, project=project, data={"orientation": "SN", "adjust_per_m2": "200"})
    ids = list(Unit.objects.filter(building__project=project).values_list("pk", flat=True))
    services.prices_set_base(actor=admin, unit_ids=ids, basis="per_m2", base_price="52000", reason="首次定价")
    services.scheme_add(
        actor=admin, project=project, data={"name": "一次性付款", "kind": "full", "discount_percent": "97"}
    )
    services.scheme_add(actor=admin, project=project, data={"name": "分期付款", "kind": "instalments",
                                                            "discount_percent": "99", "down_payment_percent": "30",
                                                            "instalment_percents": "50/50"})  # fmt: skip
    services.scheme_add(
        actor=admin,
        project=project,
        data={"name": "商业贷款", "kind": "commercial", "discount_percent": "99", "down_payment_percent": "35"},
    )
    services.scheme_add(
        actor=admin,
        project=project,
        data={"name": "组合贷款", "kind": "combined", "discount_percent": "99", "down_payment_percent": "35"},
    )
    services.discount_add(actor=admin, project=project, data={"name": "开盘优惠", "kind": "promotion",
                                                              "method": "percent", "value": "99"})  # fmt: skip
    services.discount_add(actor=admin, project=project, data={"name": "老业主推荐", "kind": "vip",
                                                              "method": "amount", "value": "20000"})  # fmt: skip
    first = Unit.objects.filter(building__project=project, building__name="1号楼")
    services.units_release(actor=admin, unit_ids=list(first.values_list("pk", flat=True)))
    for unit in first.filter(floor__gte=16)[:3]:
        services.unit_hold(actor=admin, unit=unit, reason="开发商保留（样板房）")
    _demo_sales(project=project, result=result, now=now, progress=progress)


def _demo_sales(*, project: Any, result: Any, now: dt.datetime, progress: Any) -> None:
    """The project partly sold, through the chain's services: small deposits, subscriptions, signed contracts, one
    paid up and one in arrears (its down payment overdue), by the agent 赵磊 for the home buyers he received at the
    sales office; finance (钱慧) records the receipts."""
    from decimal import Decimal

    from . import receipts, subscriptions, trades
    from .models import PaymentScheme

    admin = result.users["admin"]
    team = _sales_office_team(project=project, result=result)
    rep, finance = team["zhaolei"], team["qianhui"]
    progress("Real-estate sales: deposits, subscriptions, contracts, receipts…")
    buyers = _home_buyers(project=project, admin=admin, agent=rep, now=now)
    today = now.date()
    units = list(
        Unit.objects.filter(building__project=project, building__name="1号楼", status=Unit.Status.AVAILABLE).order_by(
            "floor", "number"
        )[:7]
    )
    full = PaymentScheme.objects.get(project=project, name="一次性付款")
    loan = PaymentScheme.objects.get(project=project, name="商业贷款")
    for unit, buyer, days in zip(units[:2], buyers[:2], (3, 6), strict=True):
        trades.deposit_take(
            actor=rep, unit=unit, customer=buyer, amount="20000", expires_on=today + dt.timedelta(days=days)
        )

    def subscribe(unit: Any, buyer: Any, scheme: Any, days_ago: int) -> Any:
        return subscriptions.subscription_create(
            actor=rep,
            data={
                "unit": unit.pk,
                "customer": buyer.pk,
                "scheme": scheme.pk,
                "deposit_amount": "50000",
                "subscribed_on": today - dt.timedelta(days=days_ago),
                "sign_by": today + dt.timedelta(days=10),
            },
        )

    for unit, buyer in zip(units[2:4], buyers[2:4], strict=True):
        sub = subscribe(unit, buyer, loan, 2)
        receipts.receipt_record(
            actor=finance, trade=sub.trade, data={"amount": "50000", "received_on": sub.subscribed_on}
        )
    # signed, down payment paid, the bank's loan to come
    sub = subscribe(units[4], buyers[4], loan, 20)
    subscriptions.contract_sign(
        actor=rep,
        trade=sub.trade,
        data={"filing_number": "沪网签2026-000101", "signed_on": today - dt.timedelta(days=12)},
    )
    down = sum((d.amount for d in sub.trade.dues.exclude(kind="loan_commercial")), Decimal(0))
    receipts.receipt_record(actor=finance, trade=sub.trade, data={"amount": down, "received_on": today})
    # paid up in full
    sub = subscribe(units[5], buyers[5], full, 30)
    subscriptions.contract_sign(
        actor=rep,
        trade=sub.trade,
        data={"filing_number": "沪网签2026-000088", "signed_on": today - dt.timedelta(days=25)},
    )
    receipts.receipt_record(
        actor=finance, trade=sub.trade, data={"amount": sub.trade.dues.first().amount, "received_on": sub.subscribed_on}
    )
    rest = sum((d.amount - d.received for d in sub.trade.dues.all()), Decimal(0))
    receipts.receipt_record(
        actor=finance,
        trade=sub.trade,
        data={"amount": rest, "method": "transfer", "received_on": today - dt.timedelta(days=20)},
    )
    # in arrears: signed 40 days ago, only the deposit paid, the down payment overdue
    sub = subscribe(units[6], buyers[6], loan, 45)
    subscriptions.contract_sign(
        actor=rep,
        trade=sub.trade,
        data={"filing_number": "沪网签2026-000071", "signed_on": today - dt.timedelta(days=40)},
    )
    receipts.receipt_record(actor=finance, trade=sub.trade, data={"amount": "50000", "received_on": sub.subscribed_on})
    receipts.arrears_remind(today=today)


# The sales office's team (username, name, role, on the duty rotation), in the sales office's department.
TEAM = (
    ("zhaolei", "赵磊", "re_agent", True),
    ("sunli", "孙丽", "re_agent", True),
    ("liuyu", "刘宇", "re_sales_manager", False),
    ("qianhui", "钱慧", "re_finance", False),
    ("zhoujie", "周杰", "re_planning", False),
)
# Home buyers: (name, mobile, days before today of their first visit).
BUYERS = (
    ("陈晓东", "13916001001", 20), ("林佳怡", "13916001002", 22), ("吴俊杰", "13916001003", 18),
    ("郑雅琴", "13916001004", 25), ("许文博", "13916001005", 40), ("冯丽华", "13916001006", 50),
    ("蒋志强", "13916001007", 60),
)  # fmt: skip


def _sales_office_team(*, project: Any, result: Any) -> dict[str, Any]:
    """The sales office of 锦绣花园: a department under the headquarters, its five people in the app's default roles,
    members of the project (the agents on its duty rotation). Added to the demo's users (same password)."""
    from guanxi.customers.demo import DEMO_PASSWORD
    from guanxi.org.models import Department, Role
    from guanxi.org.services import department_create, roles_ensure_defaults, user_create

    from .services_visits import project_member_set

    admin = result.users["admin"]
    roles_ensure_defaults()  # the app's own roles (created only where the installation switched it on)
    hq = admin.department or Department.objects.filter(parent__isnull=True).first()
    office = department_create(actor=admin, name="锦绣花园售楼处", kind=Department.Kind.TEAM, parent=hq)
    team: dict[str, Any] = {}
    for username, name, role, on_rotation in TEAM:
        user = user_create(
            actor=admin, username=username, password=DEMO_PASSWORD, name=name, department=office,
            roles=[Role.objects.get(code=role)], email=f"{username}@jinxiu.example.com",
        )  # fmt: skip
        project_member_set(actor=admin, project=project, user=user, on_rotation=on_rotation)
        team[username] = result.users[username] = user
    return team


def _home_buyers(*, project: Any, admin: Any, agent: Any, now: dt.datetime) -> list[Any]:
    """Seven people who came to the sales office and came back five days later (a first visit received by `agent`,
    who owns them as customers), each a person with themself as the contact."""
    from guanxi.customers.services.contacts import contact_create

    from .services_visits import visit_register

    buyers = []
    for name, mobile, days in BUYERS:
        visit = visit_register(actor=admin, project=project, data={
            "phone": mobile, "name": name, "source": "walk_in", "visited_at": now - dt.timedelta(days=days),
            "agent": agent.pk, "answers": {},
        })  # fmt: skip
        visit_register(actor=admin, project=project, data={
            "phone": mobile, "visited_at": now - dt.timedelta(days=days - 5), "note": "带家人复看样板间"})  # fmt: skip
        customer = visit.visitor.customer
        contact_create(actor=admin, customer=customer, data={"name": name, "mobile": mobile, "is_primary": True})
        buyers.append(customer)
    return buyers
