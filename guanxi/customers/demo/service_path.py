"""The service path: the organisation, customers with contacts and follow-ups, tasks and daily work, each
written through the services by the person who would have done it, so the audit trail is real."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from guanxi.core.services import model_create
from guanxi.org.models import Department, PartnerOrganisation, Position, Role, User
from guanxi.org.services import department_create, department_update, roles_ensure_defaults, user_create

from ..models import Contact, Customer, Tag
from ..services import (
    contact_create,
    customer_create,
    customer_delete,
    customer_transfer,
    follow_up_create,
    task_create,
    task_set_done,
)
from .world import (
    _FOLLOW_UP_COUNTS,
    _TAGS,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DEMO_USERS,
    DEPARTMENT_MANAGERS,
    DEPARTMENTS,
    PARTNER_NAME,
    POSITIONS,
    DemoUser,
    Generator,
    _weighted,
    mobile,
)


@dataclass
class DemoResult:
    users: dict[str, User] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    flagship: Customer | None = None


def org_build(*, result: DemoResult | None = None) -> DemoResult:
    """Roles, departments, positions, the agent company and the demo users (through the services)."""
    result = result or DemoResult()
    roles_ensure_defaults()
    roles = {r.code: r for r in Role.objects.all()}
    depts = result.departments
    users = result.users
    spec_by_name = {u.username: u for u in DEMO_USERS}

    # The headquarters, positions and the administrator come first: from then on the administrator acts.
    hq_key, hq_name, hq_kind, _p = DEPARTMENTS[0]
    depts[hq_key] = department_create(actor=None, name=hq_name, kind=hq_kind)
    positions = {code: model_create(instance=Position(code=code, name=name), actor=None) for code, name in POSITIONS}
    admin_spec = spec_by_name["admin"]
    admin = user_create(
        actor=None,
        username="admin",
        password=DEMO_PASSWORD,
        name=admin_spec.name,
        email=admin_spec.email,
        department=depts["hq"],
        roles=[roles["administrator"]],
        is_superuser=True,
        position=positions[admin_spec.position],
    )
    users["admin"] = admin
    for key, name, kind, parent in DEPARTMENTS[1:]:
        depts[key] = department_create(actor=admin, name=name, kind=kind, parent=depts[parent] if parent else None)
    partner = model_create(
        instance=PartnerOrganisation(name=PARTNER_NAME, kind=PartnerOrganisation.Kind.AGENT), actor=admin
    )
    rng = random.Random(DEFAULT_SEED)
    for spec in DEMO_USERS[1:]:
        users[spec.username] = user_create(
            actor=admin,
            username=spec.username,
            password=DEMO_PASSWORD,
            name=spec.name,
            email=spec.email,
            phone=mobile(rng),
            department=depts[spec.department],
            manager=users[spec.manager] if spec.manager else None,
            roles=[roles[spec.role]],
            partner_org=partner if spec.partner else None,
            position=positions[spec.position],
        )
    for dept_key, username in DEPARTMENT_MANAGERS.items():
        department_update(actor=admin, department=depts[dept_key], data={"manager": users[username]})
    for dept in depts.values():
        dept.refresh_from_db()
    result.counts["users"] = len(users)
    result.counts["departments"] = len(depts)
    return result


def owners_of(result: DemoResult) -> list[tuple[User, DemoUser]]:
    return [(result.users[u.username], u) for u in DEMO_USERS if u.customers]


def _backdate(model: type[Any], pk: int, when: dt.datetime) -> None:
    # created_at is not editable through the services (rightly); a demo that spans a year needs it.
    model.objects.filter(pk=pk).update(created_at=when)


def customers_build(
    *, result: DemoResult, gen: Generator, count: int, now: dt.datetime, progress: Callable[[str], None]
) -> None:
    """`count` customers with contacts and follow-ups, each created by its owner through the services."""
    rng = gen.rng
    owners = owners_of(result)
    tags = {name: model_create(instance=Tag(name=name, color=color), actor=result.users["admin"])
            for name, color in _TAGS}  # fmt: skip
    plan = _customer_plan(result, gen, count, owners)
    # each owner's last customer (the one least likely to get a demo deal and its follow-ups) is left alone a while
    neglect = {owner.pk: n for n, (owner, _spec, _data) in enumerate(plan)}
    for n, (owner, spec, data) in enumerate(plan):
        if n and n % 50 == 0:
            progress(f"  {n} customers…")
        flagship_row = n == 0
        n_follow_ups = 6 if flagship_row else _weighted(rng, _FOLLOW_UP_COUNTS)
        times = gen.contact_ages(n_follow_ups, now)
        if flagship_row:
            times[-1] = now - dt.timedelta(days=2, hours=3)
        else:
            _age_status(rng, data, times, now)
        if not flagship_row and neglect[owner.pk] == n:
            # last contacted 40 days ago: warned, not yet back in the pool, so every rep's dashboard has a
            # forgotten customer to call
            times = times or [now - dt.timedelta(days=40)]
            shift = times[-1] - (now - dt.timedelta(days=40))  # later or earlier: the pool would take it at 60
            times = [t - shift for t in times]
        chosen_tags = _tags_for(rng, data, tags)
        collaborators = _collaborators_for(rng, owners, spec, owner)
        # The generator avoids look-alikes; should one slip through, the rep confirms it as a UI user would.
        customer = customer_create(
            actor=owner, data=data, tags=chosen_tags, collaborators=collaborators, confirm_warnings=True
        )
        result.counts["customers"] += 1
        created = (times[0] if times else now - dt.timedelta(days=rng.uniform(1, 365))) - dt.timedelta(
            days=rng.uniform(0, 20)
        )
        _backdate(Customer, customer.pk, created)
        contacts = _contacts_build(result, gen, owner, customer, created, flagship_row)
        _follow_ups_build(result, gen, owner, spec, customer, contacts, times)
        if flagship_row:
            result.flagship = customer


def _customer_plan(
    result: DemoResult, gen: Generator, count: int, owners: list[tuple[User, DemoUser]]
) -> list[tuple[User, DemoUser, dict[str, Any]]]:
    """Who registers which customer: the flagship 北京华信科技 for zhangwei, the rest by each rep's share."""
    weights = [spec.customers for _u, spec in owners]
    flagship = gen.customer_data("north", name="北京华信科技有限公司", city_short="北京")
    flagship.update(
        level="A",
        status=Customer.Status.FOLLOWING,
        industry="I",  # GB/T 4754: information transmission, software and IT services
        size="large",
        source="referral",
        phone="010-62345678",
        email="contact@huaxinkeji.example.com",
        website="https://www.huaxinkeji.example.com",
    )
    gen.reserve(flagship["name"], "华信")
    zhangwei = next(s for s in DEMO_USERS if s.username == "zhangwei")
    plan = [(result.users["zhangwei"], zhangwei, flagship)]
    for _i in range(count - 1):
        user, spec = gen.rng.choices(owners, weights=weights)[0]
        plan.append((user, spec, gen.customer_data(spec.region)))
    return plan


def _age_status(rng: random.Random, data: dict[str, Any], times: list[dt.datetime], now: dt.datetime) -> None:
    """A customer long without contact may be dormant; some were won or lost."""
    if times and (now - times[-1]).days > 180 and rng.random() < 0.5:
        data["status"] = Customer.Status.DORMANT
    elif times and data["level"] == "A" and rng.random() < 0.4:
        data["status"] = Customer.Status.WON
    elif times and rng.random() < 0.08:
        data["status"] = Customer.Status.LOST


def _tags_for(rng: random.Random, data: dict[str, Any], tags: dict[str, Any]) -> list[Any]:
    chosen = []
    if data["level"] == "A" and rng.random() < 0.6:
        chosen.append(tags["重点客户"])
    if data.get("status") == Customer.Status.WON and rng.random() < 0.5:
        chosen.append(tags["老客户"])
    if data.get("source") == "exhibition" and rng.random() < 0.5:
        chosen.append(tags["展会线索"])
    if rng.random() < 0.04:
        chosen.append(tags[rng.choice(("政府项目", "上市公司"))])
    return chosen


def _collaborators_for(
    rng: random.Random, owners: list[tuple[User, DemoUser]], spec: DemoUser, owner: User
) -> list[User]:
    """Now and then a colleague of the same department works on the customer too."""
    if rng.random() < 0.06:
        colleagues = [u for u, s in owners if s.department == spec.department and u.pk != owner.pk]
        if colleagues:
            return [rng.choice(colleagues)]
    return []


def _contacts_build(
    result: DemoResult, gen: Generator, owner: User, customer: Customer, created: dt.datetime, flagship_row: bool
) -> list[Contact]:
    """1-3 contacts (3 for the flagship); a person is their own contact."""
    rng = gen.rng
    contacts = []
    n_contacts = 3 if flagship_row else (1 if customer.kind == Customer.Kind.INDIVIDUAL else rng.randint(1, 3))
    for i in range(n_contacts):
        cdata = gen.contact_data(i)
        if customer.kind == Customer.Kind.INDIVIDUAL:
            cdata.update(name=customer.name, title="", mobile=customer.phone, is_decision_maker=True)
        contact = contact_create(actor=owner, customer=customer, data=cdata)
        _backdate(Contact, contact.pk, created)
        contacts.append(contact)
        result.counts["contacts"] += 1
    return contacts


def _follow_ups_build(
    result: DemoResult,
    gen: Generator,
    owner: User,
    spec: DemoUser,
    customer: Customer,
    contacts: list[Contact],
    times: list[dt.datetime],
) -> None:
    """A follow-up at each contact time; the last one often plans the next."""
    rng = gen.rng
    service_agent = result.users["huangmin"]
    for j, when in enumerate(times):
        text = gen.follow_up_text()
        fdata: dict[str, Any] = {"occurred_at": when, "contact": rng.choice(contacts), **text}
        if j == len(times) - 1 and rng.random() < 0.7:
            fdata["next_follow_up_on"] = (when + dt.timedelta(days=rng.randint(3, 30))).date()
        # Now and then the service desk took the call.
        author = service_agent if rng.random() < 0.05 and not spec.partner else owner
        follow_up_create(actor=author, customer=customer, data=fdata)
        result.counts["follow_ups"] += 1


def tasks_build(*, result: DemoResult, gen: Generator, now: dt.datetime) -> None:
    """Work for today: overdue, due today and upcoming tasks for zhangwei (some from his team lead), and a
    few for everyone else who sells."""
    rng = gen.rng
    local_now = timezone.localtime(now)
    today = local_now.date()

    def at(day_offset: int, hour: int, minute: int = 0) -> dt.datetime:
        day = today + dt.timedelta(days=day_offset)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    zhangwei = result.users["zhangwei"]
    sunhao = result.users["sunhao"]
    flagship = result.flagship
    assert flagship is not None
    mine = list(Customer.objects.filter(owner=zhangwei).exclude(pk=flagship.pk).order_by("id")[:12])
    plan = [
        # (creator, title, due, customer)
        (zhangwei, "给北京华信科技发送二期报价单", at(-3, 17), flagship),
        (sunhao, "提交本周客户拜访总结", at(-1, 18), None),
        (zhangwei, "回访试用客户，收集反馈", at(-2, 10), mine[0] if mine else None),
        (zhangwei, "与北京华信科技确认合同条款", at(0, 10), flagship),
        (sunhao, "陪同拜访重点客户", at(0, 14, 30), mine[1] if len(mine) > 1 else None),
        (zhangwei, "整理本月销售预测", at(0, 17, 30), None),
        (zhangwei, "电话跟进报价反馈", at(1, 10), mine[2] if len(mine) > 2 else None),
        (zhangwei, "准备产品演示材料", at(2, 15), mine[3] if len(mine) > 3 else None),
        (sunhao, "参加华北区季度销售会议", at(4, 9, 30), None),
        (zhangwei, "安排北京华信科技技术交流会", at(6, 14), flagship),
    ]
    for creator, title, due, customer in plan:
        data: dict[str, Any] = {"title": title, "due_at": due, "description": ""}
        if customer is not None:
            data["customer"] = customer
        task_create(actor=creator, data=data, assignee=zhangwei)
        result.counts["tasks"] += 1
    for title, due, customer in (
        ("发送产品资料", at(-6, 11), mine[4] if len(mine) > 4 else None),
        ("确认客户开票信息", at(-4, 16), mine[5] if len(mine) > 5 else None),
    ):
        task = task_create(actor=zhangwei, data={"title": title, "due_at": due, "customer": customer})
        task_set_done(actor=zhangwei, task=task)
        result.counts["tasks"] += 1
    # The office's day: something due today (and one thing late) for the people who do not sell.
    for username, title, due in (
        ("admin", "为新入职销售开通账号并分配角色", at(0, 10)),
        ("admin", "检查昨晚的自动备份", at(0, 9, 30)),
        ("chenjing", "汇总本月销售预测报送刘总", at(0, 17)),
        ("chenjing", "核对上月业绩目标完成率", at(-1, 18)),
        ("wangqiang", "华北销售部周例会", at(0, 16)),
        ("zhouli", "评审华东下周客户拜访计划", at(0, 15)),
        ("liuting", "确认本周赢单的关闭资料", at(0, 11)),
        ("guolei", "北京华信科技项目实施启动会", at(0, 14)),
        ("huangmin", "回访上周报修的客户", at(0, 10, 30)),
    ):
        user = result.users.get(username)
        if user is not None:
            task_create(actor=user, data={"title": title, "due_at": due})
            result.counts["tasks"] += 1
    others = ["lina", "wangfang", "sunhao", "wangqiang", "zhouli", "yangfan", "maqiang", "liuting"]
    titles = ("电话回访", "发送报价单", "上门拜访", "催办合同盖章", "准备投标文件", "确认交付时间")
    for username in others:
        user = result.users[username]
        theirs = list(Customer.objects.filter(owner=user).order_by("id")[:4])
        for k in range(3):
            customer = theirs[k] if k < len(theirs) else None
            title = f"{rng.choice(titles)}：{customer.name}" if customer else rng.choice(titles)
            task_create(
                actor=user,
                data={"title": title[:200], "due_at": at(rng.randint(-3, 5), rng.choice((9, 10, 14, 16))),
                      "customer": customer},
            )  # fmt: skip
            result.counts["tasks"] += 1


def housekeeping_build(*, result: DemoResult, gen: Generator) -> None:
    """Traces of daily work: a hand-over, a couple of deleted customers, new customers awaiting review."""
    users = result.users
    lina_customers = list(Customer.objects.filter(owner=users["lina"]).order_by("id").values_list("pk", flat=True))
    if len(lina_customers) >= 3:
        # The manager hands three of lina's customers to zhangwei (he gets a notification)…
        customer_transfer(actor=users["wangqiang"], customer_ids=lina_customers[:3], new_owner=users["zhangwei"])
        # …and deletes two of the rest (they wait in the recycle bin).
        for pk in lina_customers[3:5]:
            customer_delete(actor=users["wangqiang"], customer=Customer.objects.get(pk=pk))
            result.counts["customers_deleted"] += 1
    # 华东销售部 starts reviewing new customers; wangfang's next two wait for zhouli.
    department_update(actor=users["admin"], department=result.departments["east"],
                      data={"requires_customer_review": True})  # fmt: skip
    for _i in range(2):
        customer = customer_create(actor=users["wangfang"], data=gen.customer_data("east"), confirm_warnings=True)
        contact_create(actor=users["wangfang"], customer=customer, data=gen.contact_data(0))
        result.counts["customers"] += 1
        result.counts["contacts"] += 1
        result.counts["customers_pending"] += 1


# The pool's daily job ran before today: weekly runs from this many weeks back, then one a day over the past week.
POOL_HISTORY_WEEKS = 10
POOL_HISTORY_DAYS = 6


def pool_history_build(*, result: DemoResult, now: dt.datetime) -> None:
    """The public pool as the worker's daily job left it: customers neglected for longer than the rule allows
    went back to the pool on the day they crossed it (weeks ago for the long-dormant ones), owners were warned on
    the way. Run after the deals, whose open ones keep their customers. So the worker's first run today moves only
    the few customers that crossed the limit since yesterday, not every long-idle customer of the story at once."""
    from ..pool.services import pool_reclaim_idle

    runs = [now - dt.timedelta(weeks=w) for w in range(POOL_HISTORY_WEEKS, 1, -1)]
    runs += [now - dt.timedelta(days=d) for d in range(POOL_HISTORY_DAYS + 1, 0, -1)]
    for when in runs:
        nightly = timezone.localtime(when).replace(hour=2, minute=0, second=0, microsecond=0)
        result.counts["pool_reclaimed"] += pool_reclaim_idle(now=nightly)["reclaimed"]
