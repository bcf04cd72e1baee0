"""The service app's part of the demo company (a demo step after billing's): car-insurance policies with plates
and policy numbers, equipment with serial numbers, and tickets in every state — written through the services, as
the service agent 黄敏 (huangmin) and the administrator, so the history and audit trail are real."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from guanxi.core.errors import ApplicationError

from . import services
from .models import Ticket

AGENT = "huangmin"
PLATES = ["京A·8K3M2", "京N·F2305", "沪B·7Q118", "京Q·D6671", "冀A·5H209", "沪A·C9352", "京E·12345", "津C·88B61"]
INSURERS = ["中国人保", "太平洋保险", "", "中国人寿财险", "", "大地保险", "", "阳光保险"]
TICKETS = [
    # (type, priority, subject, final state)
    ("claim", "high", "车辆追尾理赔报案，需要查勘定损", "in_progress"),
    ("complaint", "urgent", "理赔款迟迟未到账，客户投诉", "new"),
    ("repair", "normal", "服务器风扇异响，申请上门检修", "assigned"),
    ("consultation", "low", "咨询续保优惠及险种调整", "resolved"),
    ("installation", "normal", "新购设备上门安装调试", "closed"),
    ("complaint", "high", "安装工程师迟到两小时", "waiting"),
    ("suggestion", "low", "建议增加微信报案渠道", "closed"),
    ("claim", "normal", "挡风玻璃破损理赔", "resolved"),
    ("repair", "urgent", "生产线控制器宕机", "in_progress"),
    ("consultation", "normal", "咨询保单批改（变更车主信息）", "new"),
]


# Tickets logged days ago (so their SLA has run out): left open → the escalation marks the breach; the last one is
# resolved late, so the SLA report shows a met rate below 100 %. (type, priority, subject, days ago, resolved late)
LATE = [
    ("repair", "high", "空调机组停机，超时未处理", 6, False),
    ("complaint", "urgent", "理赔查勘员未按约定时间到场", 4, False),
    ("claim", "high", "追尾事故定损结果迟迟未出", 9, True),
]


def _safely(progress: Any, run: Any) -> Any:
    try:
        with transaction.atomic():
            return run()
    except ApplicationError as exc:
        progress(f"  (skipped: {exc.message})")
        return None


def service_demo_build(*, result: Any, gen: Any, now: dt.datetime, progress: Any) -> None:
    from django.utils import timezone

    from guanxi.commerce.models import Product
    from guanxi.customers.models import Customer

    admin = result.users.get("admin")
    agent = result.users.get(AGENT) or admin
    if admin is None:
        return
    progress("Customer assets, policies and tickets…")
    from .assignment import assignment_rule_save

    _safely(
        progress,
        lambda: assignment_rule_save(
            actor=admin,
            data={"name": "客服部 · 所有服务请求", "order": 10,
                  "department": agent.department_id, "users": [agent.pk], "method": "least_loaded", "cap": 30},
        ),
    )  # fmt: skip
    today = timezone.localdate(now)
    customers = list(Customer.objects.filter(owner__isnull=False, owner__partner_org__isnull=True).order_by("id")[:12])
    product = Product.objects.filter(is_active=True).order_by("id").first()
    assets = []
    for i, customer in enumerate(customers):
        if i < len(PLATES):
            ends = today + dt.timedelta(days=[12, 25, 40, 58, 90, 150, 200, -20][i])
            data = {
                "customer": customer.pk, "kind": "vehicle_policy", "name": "交强险 + 商业车险",
                "plate_number": PLATES[i], "policy_number": f"PDAA{today.year}1101{i + 1:010d}",
                "previous_insurer": INSURERS[i], "starts_on": ends - dt.timedelta(days=365), "ends_on": ends,
                "status": "expired" if ends < today else "active",
            }  # fmt: skip
        else:
            data = {
                "customer": customer.pk, "kind": "equipment", "name": "华信 HX-9000 服务器",
                "product": product.pk if product else None, "serial_number": f"HX9K-{2026}-{i:05d}",
                "starts_on": today - dt.timedelta(days=300), "ends_on": today + dt.timedelta(days=65 + 30 * i),
                "address": "北京市海淀区中关村软件园",
            }  # fmt: skip
        asset = _safely(progress, lambda d=data: services.asset_create(actor=admin, data=d))
        if asset is not None:
            assets.append(asset)
            result.counts["assets"] += 1
    for i, (kind, priority, subject, state) in enumerate(TICKETS):
        if not assets:
            break
        asset = assets[i % len(assets)]
        data = {"customer": asset.customer_id, "asset": asset.pk, "type": kind, "priority": priority,
                "channel": ["phone", "email", "web", "wechat", "walk_in"][i % 5], "subject": subject,
                "description": f"{subject}。客户来电说明情况，请尽快处理。"}  # fmt: skip
        ticket = _safely(
            progress, lambda d=data, a=state != "new": services.ticket_create(actor=admin, data=d, auto_assign=a)
        )
        if ticket is None:
            continue
        result.counts["tickets"] += 1
        _advance(ticket, state, admin=admin, agent=agent, progress=progress)
    if assets:
        _late_tickets(assets, result=result, admin=admin, agent=agent, now=now, progress=progress)


def _late_tickets(assets: list[Any], *, result: Any, admin: Any, agent: Any, now: dt.datetime, progress: Any) -> None:
    """SLA breaches: tickets logged days ago, then the SLA check the worker runs (it escalates the open ones)."""
    from .sla import sla_check

    for i, (kind, priority, subject, days, resolve) in enumerate(LATE):
        asset = assets[(i * 3 + 1) % len(assets)]
        logged = now - dt.timedelta(days=days)
        data = {"customer": asset.customer_id, "asset": asset.pk, "type": kind, "priority": priority,
                "channel": "phone", "subject": subject, "description": f"{subject}。客户多次来电催促。"}  # fmt: skip
        ticket = _safely(
            progress, lambda d=data, at=logged: services.ticket_create(actor=admin, data=d, owner=agent, now=at)
        )
        if ticket is None:
            continue
        result.counts["tickets"] += 1
        if resolve:
            _safely(progress, lambda t=ticket, at=logged: services.ticket_transition(
                actor=agent, ticket=t, action="start", now=at + dt.timedelta(hours=1)))  # fmt: skip
            _safely(progress, lambda t=ticket, at=logged: services.ticket_transition(
                actor=agent, ticket=t, action="resolve", resolution="已重新安排定损，客户确认。",
                now=at + dt.timedelta(days=5)))  # fmt: skip
    _safely(progress, lambda: sla_check(now=now))


def _advance(ticket: Ticket, state: str, *, admin: Any, agent: Any, progress: Any) -> None:
    steps = {
        "new": [],
        "assigned": ["assign"],
        "in_progress": ["assign", "start"],
        "waiting": ["assign", "start", "wait"],
        "resolved": ["assign", "start", "resolve"],
        "closed": ["assign", "start", "resolve", "close"],
    }[state]
    for step in steps:
        if step == "assign" and ticket.owner_id:
            continue  # the assignment rule gave it to someone already
        if step == "assign":
            run = lambda t=ticket: services.ticket_assign(actor=admin, ticket=t, owner=agent)  # noqa: E731
        else:
            run = lambda t=ticket, s=step: services.ticket_transition(  # noqa: E731
                actor=agent, ticket=t, action=s, resolution="已联系客户并处理完毕，客户确认问题解决。"
            )
        if _safely(progress, run) is None:
            return
