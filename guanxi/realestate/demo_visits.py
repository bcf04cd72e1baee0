"""The demo project's sales office: its agents on the duty rotation, the questionnaire (budget, layout wanted,
purpose, how they heard), grading rules, and a month of visitors with return visits and follow-ups — and a first
visit for every buyer the demo's trades have, so the funnel runs from the visit to the contract. All through the
services, as the administrator."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from guanxi.core.custom_fields.models import CustomField
from guanxi.core.custom_fields.services import custom_field_create
from guanxi.customers.models import FollowUp

from . import services_visits
from .dictionaries import HEARD_FROM, LAYOUT_WANTED, PURPOSE
from .models import Project, Trade, Visitor

QUESTIONS = (
    {"code": "budget", "label_zh": "总价预算（万元）", "label_en": "Budget (10k yuan)", "type": "number"},
    {"code": "layout_wanted", "label_zh": "意向户型", "label_en": "Layout wanted", "type": "choice",
     "dictionary": LAYOUT_WANTED},
    {"code": "purpose", "label_zh": "置业目的", "label_en": "Purpose", "type": "choice", "dictionary": PURPOSE},
    {"code": "heard_from", "label_zh": "认知途径", "label_en": "How they heard of us", "type": "choice",
     "dictionary": HEARD_FROM},
)  # fmt: skip
RULES = (
    ("复访且预算 500 万以上", "A", 10, [{"fact": "visits", "op": "gte", "value": 2},
                                   {"fact": "budget", "op": "gte", "value": 500}]),
    ("复访客户", "B", 20, [{"fact": "visits", "op": "gte", "value": 2}]),
    ("预算 500 万以上", "B", 30, [{"fact": "budget", "op": "gte", "value": 500}]),
)  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("先生", "女士", "伟", "芳", "敏", "静", "磊", "洋", "婷", "军")


def questionnaire_ensure(*, actor: Any) -> None:
    """The default questionnaire, where the administrator has not made one."""
    for q in QUESTIONS:
        if not CustomField.objects.filter(target=services_visits.QUESTIONNAIRE, code=q["code"]).exists():
            custom_field_create(actor=actor, data={"target": services_visits.QUESTIONNAIRE, **q})


def realestate_visits_demo_build(*, result: Any, gen: Any, now: dt.datetime, progress: Any) -> None:
    admin = result.users.get("admin")
    project = Project.objects.filter(name="锦绣花园").first()
    if admin is None or project is None:
        return
    progress("Sales office: rotation, questionnaire, visitors…")
    rng = random.Random(18)
    for name in ("zhangwei", "lina", "wangfang"):
        if name in result.users:
            services_visits.project_member_set(actor=admin, project=project, user=result.users[name], on_rotation=True)
    for name in ("zhouli", "wangqiang"):
        if name in result.users:
            services_visits.project_member_set(actor=admin, project=project, user=result.users[name])
    questionnaire_ensure(actor=admin)
    for name, grade, priority, conditions in RULES:
        services_visits.grade_rule_save(actor=admin, project=project, data={
            "name": name, "grade": grade, "priority": priority, "conditions": conditions})  # fmt: skip
    sources = ["walk_in", "walk_in", "referral", "call_in", "agency", "online", "event"]
    for i in range(16):
        first = now - dt.timedelta(days=30 - i * 2, hours=rng.randint(0, 5))
        answers = {
            "budget": rng.choice([260, 320, 380, 450, 520, 600]), "layout_wanted": rng.choice(["2br", "3br", "3br"]),
            "purpose": rng.choice(["first_home", "upgrade", "upgrade", "school", "investment"]),
            "heard_from": rng.choice(["outdoor", "internet", "friends", "passing"]),
        }  # fmt: skip
        phone = f"1{rng.choice('35789')}{rng.randint(100000000, 999999999)}"
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        visit = services_visits.visit_register(actor=admin, project=project, data={
            "phone": phone, "name": name, "source": rng.choice(sources), "party_size": rng.randint(1, 4),
            "visited_at": first, "answers": answers,
        })  # fmt: skip
        if i % 3 == 0:  # a third come back, some twice
            for days in (3, 8)[: 1 + i % 2]:
                when = first + dt.timedelta(days=days)
                if when < now:
                    services_visits.visit_register(actor=admin, project=project, data={
                        "phone": phone, "visited_at": when, "note": "带家人复看样板间"})  # fmt: skip
        services_visits.visitor_follow_up(actor=visit.agent, visitor=visit.visitor, data={
            "occurred_at": min(now, first + dt.timedelta(days=1)), "method": FollowUp.Method.PHONE,
            "content": "电话回访：已发送户型图和价格单，约周末复访",
            "next_follow_up_on": (now + dt.timedelta(days=2)).date(),
        })  # fmt: skip
    # The buyers of the demo's trades came to the sales office first.
    for trade in Trade.objects.filter(project=project).select_related("customer"):
        phone = trade.customer.phone
        if not phone or Visitor.objects.filter(project=project, customer=trade.customer).exists():
            continue
        when = min(now, dt.datetime.combine(trade.created_at.date(), dt.time(10), tzinfo=now.tzinfo))
        services_visits.visit_register(actor=admin, project=project, data={
            "phone": phone, "source": "walk_in", "visited_at": when - dt.timedelta(days=14),
            "answers": {"budget": 450, "purpose": "upgrade"}, "agent": trade.agent_id
            if project.members.filter(user_id=trade.agent_id).exists() else None,
        })  # fmt: skip
        services_visits.visit_register(actor=admin, project=project, data={
            "phone": phone, "visited_at": when - dt.timedelta(days=7)})  # fmt: skip
