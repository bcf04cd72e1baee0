"""The demo company 华信科技集团: departments, people in every default role, customers, contacts,
follow-ups over the past year and tasks — built through the services so the audit trail is real.

`demo_load` is what `guanxi demo` runs. `customers_bulk_generate` is the fast path for large volumes
(`guanxi demo --customers 50000`, the benchmark): bulk inserts with precomputed search text and no
audit rows.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from faker import Faker
from pypinyin import lazy_pinyin

from guanxi.core.registry import registry
from guanxi.core.search import build_search_text
from guanxi.core.services import model_create
from guanxi.org.models import Department, PartnerOrganisation, Position, Role, User
from guanxi.org.services import department_create, department_update, roles_ensure_defaults, user_create

from .dedupe.normalise import company_name_key, contact_key_pairs, customer_key_pairs
from .models import Contact, Customer, CustomerKey, FollowUp, Tag
from .services import (
    contact_create,
    customer_create,
    customer_delete,
    customer_transfer,
    follow_up_create,
    task_create,
    task_set_done,
)
from .validators import CREDIT_CODE_CHARS, credit_code_check_char

DEMO_PASSWORD = "Guanxi-demo-2026"
DEFAULT_SEED = 2026
DEFAULT_CUSTOMERS = 300
# Above this many customers the demo switches to the bulk path (the services take ~25 ms a customer
# with its contacts and follow-ups); the first SERVICE_PART customers still go through the services.
BULK_THRESHOLD = 2000
SERVICE_PART = DEFAULT_CUSTOMERS
EMAIL_DOMAIN = "huaxin.example.com"

# --- the organisation --------------------------------------------------------------------------
# (key, name, kind, parent key)
DEPARTMENTS: list[tuple[str, str, str, str | None]] = [
    ("hq", "华信科技集团总部", Department.Kind.HEADQUARTERS, None),
    ("bj", "北京分公司", Department.Kind.BRANCH, "hq"),
    ("north", "华北销售部", Department.Kind.DEPARTMENT, "bj"),
    ("north1", "华北一组", Department.Kind.TEAM, "north"),
    ("sh", "上海分公司", Department.Kind.BRANCH, "hq"),
    ("east", "华东销售部", Department.Kind.DEPARTMENT, "sh"),
    ("channel", "渠道部", Department.Kind.DEPARTMENT, "hq"),
    ("service", "客服中心", Department.Kind.DEPARTMENT, "hq"),
    ("marketing", "市场部", Department.Kind.DEPARTMENT, "hq"),
    ("finance", "财务部", Department.Kind.DEPARTMENT, "hq"),
    ("implementation", "实施部", Department.Kind.DEPARTMENT, "hq"),
]

POSITIONS = [
    ("general_manager", "总经理"),
    ("sales_director", "销售总监"),
    ("sales_manager", "销售经理"),
    ("team_lead", "销售主管"),
    ("sales", "销售代表"),
    ("assistant", "部门助理"),
    ("channel", "渠道经理"),
    ("service", "客服专员"),
    ("marketing", "市场专员"),
    ("accountant", "会计"),
    ("engineer", "实施工程师"),
    ("it_admin", "系统管理员"),
]

PARTNER_NAME = "深圳鹏程商贸代理有限公司"


@dataclass(frozen=True)
class DemoUser:
    username: str
    name: str
    role: str
    department: str
    position: str
    manager: str | None = None
    partner: bool = False
    region: str = "any"  # where this person's customers are: north, east or any
    customers: int = 0  # share of the demo's customers (weights)

    @property
    def email(self) -> str:
        return f"{self.username}@{EMAIL_DOMAIN}"


# In creation order: managers before the people who report to them.
DEMO_USERS: list[DemoUser] = [
    DemoUser("admin", "系统管理员", "administrator", "hq", "it_admin"),
    DemoUser("liuyang", "刘洋", "executive", "hq", "general_manager"),
    DemoUser("chenjing", "陈静", "sales_management", "hq", "sales_director", manager="liuyang"),
    DemoUser("wangqiang", "王强", "department_manager", "north", "sales_manager", manager="liuyang",
             region="north", customers=4),
    DemoUser("zhouli", "周丽", "department_manager", "east", "sales_manager", manager="liuyang",
             region="east", customers=4),
    DemoUser("sunhao", "孙浩", "business_manager", "north1", "team_lead", manager="wangqiang",
             region="north", customers=6),
    DemoUser("zhangwei", "张伟", "sales_rep", "north1", "sales", manager="sunhao", region="north", customers=15),
    DemoUser("lina", "李娜", "sales_rep", "north", "sales", manager="wangqiang", region="north", customers=13),
    DemoUser("wangfang", "王芳", "sales_rep", "east", "sales", manager="zhouli", region="east", customers=15),
    DemoUser("liuting", "刘婷", "department_assistant", "north", "assistant", manager="wangqiang",
             region="north", customers=2),
    DemoUser("yangfan", "杨帆", "channel_rep", "channel", "channel", manager="chenjing", customers=10),
    DemoUser("maqiang", "马强", "channel_rep", "channel", "channel", manager="yangfan", partner=True,
             customers=6),
    DemoUser("huangmin", "黄敏", "service_agent", "service", "service", manager="liuyang"),
    DemoUser("xujing", "徐静", "marketing", "marketing", "marketing", manager="liuyang"),
    DemoUser("hejun", "何军", "finance", "finance", "accountant", manager="liuyang"),
    DemoUser("guolei", "郭磊", "implementation", "implementation", "engineer", manager="liuyang"),
]  # fmt: skip

DEPARTMENT_MANAGERS = {
    "hq": "liuyang",
    "bj": "wangqiang",
    "sh": "zhouli",
    "north": "wangqiang",
    "north1": "sunhao",
    "east": "zhouli",
    "channel": "yangfan",
    "service": "huangmin",
    "marketing": "xujing",
    "finance": "hejun",
    "implementation": "guolei",
}

ROLE_NAMES_ZH = {
    "sales_rep": "销售代表",
    "channel_rep": "渠道销售",
    "business_manager": "商务经理",
    "department_manager": "部门经理",
    "department_assistant": "部门助理",
    "sales_management": "销售管理办公室",
    "executive": "公司领导",
    "service_agent": "客服",
    "marketing": "市场",
    "finance": "财务",
    "implementation": "实施",
    "administrator": "系统管理员",
}

# --- the customers' world ----------------------------------------------------------------------
# (province, city, short name, region, area code, administrative division codes)
CITIES: list[tuple[str, str, str, str, str, tuple[str, ...]]] = [
    ("北京市", "北京市", "北京", "north", "010", ("110101", "110105", "110108", "110114")),
    ("天津市", "天津市", "天津", "north", "022", ("120101", "120116")),
    ("河北省", "石家庄市", "石家庄", "north", "0311", ("130102", "130104")),
    ("河北省", "唐山市", "唐山", "north", "0315", ("130202",)),
    ("山西省", "太原市", "太原", "north", "0351", ("140105",)),
    ("山东省", "济南市", "济南", "north", "0531", ("370102", "370112")),
    ("山东省", "青岛市", "青岛", "north", "0532", ("370202", "370212")),
    ("上海市", "上海市", "上海", "east", "021", ("310101", "310104", "310115", "310112")),
    ("江苏省", "南京市", "南京", "east", "025", ("320102", "320105")),
    ("江苏省", "苏州市", "苏州", "east", "0512", ("320505", "320506")),
    ("江苏省", "无锡市", "无锡", "east", "0510", ("320213",)),
    ("浙江省", "杭州市", "杭州", "east", "0571", ("330106", "330108")),
    ("浙江省", "宁波市", "宁波", "east", "0574", ("330212",)),
    ("安徽省", "合肥市", "合肥", "east", "0551", ("340104",)),
    ("广东省", "广州市", "广州", "south", "020", ("440103", "440106")),
    ("广东省", "深圳市", "深圳", "south", "0755", ("440303", "440305")),
    ("福建省", "厦门市", "厦门", "south", "0592", ("350203",)),
    ("四川省", "成都市", "成都", "west", "028", ("510104", "510107")),
    ("重庆市", "重庆市", "重庆", "west", "023", ("500103", "500105")),
    ("湖北省", "武汉市", "武汉", "west", "027", ("420106", "420111")),
    ("湖南省", "长沙市", "长沙", "west", "0731", ("430104",)),
    ("陕西省", "西安市", "西安", "west", "029", ("610113", "610131")),
]

# industry → words that end up in company names
INDUSTRIES: dict[str, tuple[str, ...]] = {
    "信息技术": ("科技", "信息技术", "软件", "网络科技", "数据科技", "智能科技"),
    "制造业": ("机械制造", "精密仪器", "电子", "汽车零部件", "新材料", "自动化设备"),
    "金融": ("投资", "资产管理", "融资租赁", "金融服务"),
    "医疗健康": ("医药", "医疗器械", "生物科技", "健康管理"),
    "教育培训": ("教育科技", "职业培训", "文化教育"),
    "批发零售": ("商贸", "百货", "电子商务", "贸易"),
    "物流运输": ("物流", "供应链管理", "国际货运", "运输"),
    "建筑工程": ("建设工程", "建筑装饰", "工程咨询", "市政工程"),
    "能源环保": ("新能源", "能源科技", "电力设备", "环保科技"),
    "房地产": ("置业", "房地产开发", "物业管理"),
    "餐饮食品": ("餐饮管理", "食品", "饮品"),
    "文化传媒": ("文化传媒", "广告", "影视文化"),
    "农业": ("农业科技", "生态农业", "种业"),
}
INDUSTRY_WEIGHTS = (18, 14, 6, 8, 5, 10, 7, 8, 6, 5, 4, 5, 4)

_BRAND_CHARS = (
    "华信瑞恒达通泰盛鑫源博宏远天明嘉和安德丰创新金海星宇晨光中诚汇联科佳立东方兴隆永元正昌"
    "盈凯旭辰腾飞润泽绿洲蓝图卓越启航弘毅长城百川万象同心顺益富康"
)
_SUFFIXES = (("有限公司", 70), ("股份有限公司", 20), ("集团有限公司", 10))
_ROADS = (
    "建国路", "中山路", "人民路", "解放路", "科技园路", "长安街", "南京路", "世纪大道", "创业路", "高新大道",
    "文化路", "和平路", "滨江大道", "学院路", "金融街", "软件园二期", "东三环中路", "香山路", "江南大道",
)  # fmt: skip
_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "158",
    "159", "166", "176", "177", "180", "181", "185", "186", "187", "188", "189", "191", "199",
)  # fmt: skip
_CONTACT_TITLES = (
    ("总经理", True), ("董事长", True), ("采购经理", False), ("采购总监", True), ("IT主管", False),
    ("技术总监", True), ("财务总监", True), ("行政经理", False), ("办公室主任", False), ("项目经理", False),
    ("销售总监", False), ("运营经理", False), ("信息中心主任", True),
)  # fmt: skip
_TOPICS = (
    "年度采购计划", "新版本功能", "报价方案", "合同条款", "实施进度", "售后服务问题", "续约事宜", "试用反馈",
    "付款安排", "项目预算", "系统集成需求", "培训安排", "二期扩容", "竞品对比",
)  # fmt: skip
_REACTIONS = (
    "比较有兴趣，需要内部讨论", "预算下个季度才能批下来", "希望价格再优惠一些", "比较满意，准备走采购流程",
    "暂时没有需求", "需要更详细的技术方案", "正在比较其他几家供应商", "领导出差，下周再定",
    "对实施周期有顾虑", "要求先做一次演示",
)  # fmt: skip
_RESULTS = ("客户有意向", "待报价", "需再次拜访", "已发送资料", "暂无需求", "等待客户内部审批", "已确认需求")
_NEXT_STEPS = (
    "发送报价单", "安排技术交流", "邀请参加产品发布会", "准备合同草稿", "下周电话回访", "约见决策人",
    "提交解决方案", "安排上门演示",
)  # fmt: skip
_METHODS = (
    (FollowUp.Method.PHONE, 45),
    (FollowUp.Method.WECHAT, 20),
    (FollowUp.Method.VISIT, 15),
    (FollowUp.Method.EMAIL, 10),
    (FollowUp.Method.MEETING, 10),
)
_METHOD_VERBS = {
    FollowUp.Method.PHONE: "电话沟通了",
    FollowUp.Method.WECHAT: "微信上交流了",
    FollowUp.Method.VISIT: "上门拜访，介绍了",
    FollowUp.Method.EMAIL: "邮件发送并说明了",
    FollowUp.Method.MEETING: "与客户开会讨论了",
}
_SOURCES = (
    ("phone", 15), ("website", 20), ("consultation", 10), ("exhibition", 15), ("referral", 20), ("purchased", 5),
    ("other", 15),
)  # fmt: skip
_FOLLOW_UP_COUNTS = ((0, 8), (1, 20), (2, 22), (3, 20), (4, 15), (6, 10), (9, 5))  # (follow-ups, weight)
_TAGS = (("重点客户", "red"), ("老客户", "green"), ("展会线索", "orange"), ("政府项目", "purple"), ("上市公司", "blue"))


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def credit_code(rng: random.Random, division: str) -> str:
    """A well-formed unified social credit code: 9 (industry & commerce) 1 (enterprise), the
    administrative division, a 9-character organisation code with its GB 11714 check, then the
    GB 32100 check character."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    total = sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    org_code = body + ("X" if check == 10 else "0" if check == 11 else str(check))
    first17 = "91" + division + org_code
    assert all(c in CREDIT_CODE_CHARS for c in first17)
    return first17 + credit_code_check_char(first17)


def mobile(rng: random.Random) -> str:
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


class Generator:
    """Realistic values for customers, contacts and follow-ups (deterministic for a seed)."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        # Pools: Faker is slow per call; the bulk path draws from these instead.
        self.person_names = list(dict.fromkeys(self.fake.name() for _ in range(3000)))
        self.industries = list(INDUSTRIES)
        # Name keys (as duplicate detection normalises them) already given out, and brands: with
        # `distinct_brands` no brand repeats, so no two demo customers look like possible duplicates.
        self.used_keys: set[str] = set()
        self.used_brands: set[str] = set()
        self.distinct_brands = False

    def city(self, region: str) -> tuple[str, str, str, str, str, tuple[str, ...]]:
        local = [c for c in CITIES if c[3] == region]
        if local and self.rng.random() < 0.8:
            return self.rng.choice(local)
        return self.rng.choice(CITIES)

    def reserve(self, name: str, brand: str) -> None:
        self.used_keys.add(company_name_key(name))
        self.used_brands.add(brand)

    def company_name(self, city_short: str, industry: str) -> str:
        rng = self.rng
        for _attempt in range(50):
            brand = rng.choice(_BRAND_CHARS) + rng.choice(_BRAND_CHARS)
            if brand[0] == brand[1] or (self.distinct_brands and brand in self.used_brands):
                continue
            name = f"{city_short}{brand}{rng.choice(INDUSTRIES[industry])}{_weighted(rng, _SUFFIXES)}"
            if company_name_key(name) not in self.used_keys:
                self.reserve(name, brand)
                return name
        return name  # a rare duplicate name is realistic (and the dedupe screen's business)

    def customer_data(self, region: str, *, name: str | None = None, city_short: str | None = None) -> dict[str, Any]:
        rng = self.rng
        city = next(c for c in CITIES if c[2] == city_short) if city_short else self.city(region)
        province, city_name, short, _region, area, divisions = city
        individual = name is None and rng.random() < 0.05
        industry = rng.choices(self.industries, weights=INDUSTRY_WEIGHTS)[0]
        level = _weighted(rng, (("A", 15), ("B", 45), ("C", 40)))
        data: dict[str, Any] = {
            "province": province,
            "city": city_name,
            "level": level,
            "source": _weighted(rng, _SOURCES),
            "address": f"{city_name}{rng.choice(_ROADS)}{rng.randint(1, 999)}号",
        }
        if individual:
            data.update(kind=Customer.Kind.INDIVIDUAL, name=rng.choice(self.person_names), phone=mobile(rng))
            data["address"] = ""
            return data
        data.update(
            kind=Customer.Kind.COMPANY,
            name=name or self.company_name(short, industry),
            credit_code=credit_code(rng, rng.choice(divisions)),
            industry=industry,
            size=_weighted(rng, (("micro", 20), ("small", 35), ("medium", 25), ("large", 10), ("huge", 10))),
            phone=f"{area}-{rng.randint(5, 8)}{rng.randrange(10**6, 10**7)}" if rng.random() < 0.6 else mobile(rng),
        )
        if rng.random() < 0.4:
            slug = "".join(lazy_pinyin(company_name_key(data["name"])))
            data["email"] = f"contact@{slug}.example.com"
            if level == "A":
                data["website"] = f"https://www.{slug}.example.com"
        return data

    def contact_data(self, index: int) -> dict[str, Any]:
        rng = self.rng
        name = rng.choice(self.person_names)
        title, decision = rng.choice(_CONTACT_TITLES)
        data: dict[str, Any] = {
            "name": name,
            "title": title,
            "mobile": mobile(rng),
            "is_decision_maker": decision,
            "is_primary": index == 0,
        }
        if rng.random() < 0.5:
            data["email"] = f"{''.join(lazy_pinyin(name))}{rng.randint(1, 99)}@mail.example.com"
        if rng.random() < 0.4:
            data["wechat"] = f"wx_{''.join(lazy_pinyin(name))}{rng.randint(100, 999)}"
        if rng.random() < 0.2:
            data["birthday"] = dt.date(rng.randint(1965, 1995), rng.randint(1, 12), rng.randint(1, 28))
        return data

    def follow_up_text(self) -> dict[str, str]:
        rng = self.rng
        method = _weighted(rng, _METHODS)
        return {
            "method": method,
            "content": f"{_METHOD_VERBS[method]}{rng.choice(_TOPICS)}，客户{rng.choice(_REACTIONS)}。",
            "result": rng.choice(_RESULTS),
            "next_step": rng.choice(_NEXT_STEPS),
        }

    def contact_ages(self, count: int, now: dt.datetime) -> list[dt.datetime]:
        """`count` follow-up times in the last year, oldest first. The latest one is often recent but
        a good share of customers have had no contact for 30, 60 or 180+ days."""
        if count == 0:
            return []
        rng = self.rng
        band = rng.random()
        if band < 0.4:
            last_days = rng.uniform(0, 30)
        elif band < 0.6:
            last_days = rng.uniform(30, 60)
        elif band < 0.8:
            last_days = rng.uniform(60, 180)
        else:
            last_days = rng.uniform(180, 360)
        last = now - dt.timedelta(days=last_days, minutes=rng.randint(5, 600))
        times = [last]
        for _ in range(count - 1):
            times.append(last - dt.timedelta(days=rng.uniform(1, 365 - last_days), minutes=rng.randint(0, 600)))
        return sorted(times)


# --- the service path ----------------------------------------------------------------------------
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


def _owners(result: DemoResult) -> list[tuple[User, DemoUser]]:
    return [(result.users[u.username], u) for u in DEMO_USERS if u.customers]


def _backdate(model: type[Any], pk: int, when: dt.datetime) -> None:
    # created_at is not editable through the services (rightly); a demo that spans a year needs it.
    model.objects.filter(pk=pk).update(created_at=when)


def customers_build(
    *, result: DemoResult, gen: Generator, count: int, now: dt.datetime, progress: Callable[[str], None]
) -> None:
    """`count` customers with contacts and follow-ups, each created by its owner through the services."""
    rng = gen.rng
    owners = _owners(result)
    weights = [spec.customers for _u, spec in owners]
    tags = {name: model_create(instance=Tag(name=name, color=color), actor=result.users["admin"])
            for name, color in _TAGS}  # fmt: skip
    service_agent = result.users["huangmin"]

    plan: list[tuple[User, DemoUser, dict[str, Any]]] = []
    zhangwei = result.users["zhangwei"]
    flagship = gen.customer_data("north", name="北京华信科技有限公司", city_short="北京")
    flagship.update(
        level="A",
        status=Customer.Status.FOLLOWING,
        industry="信息技术",
        size="large",
        source="referral",
        phone="010-62345678",
        email="contact@huaxinkeji.example.com",
        website="https://www.huaxinkeji.example.com",
    )
    gen.reserve(flagship["name"], "华信")
    plan.append((zhangwei, next(s for s in DEMO_USERS if s.username == "zhangwei"), flagship))
    for _i in range(count - 1):
        user, spec = rng.choices(owners, weights=weights)[0]
        plan.append((user, spec, gen.customer_data(spec.region)))

    for n, (owner, spec, data) in enumerate(plan):
        if n and n % 50 == 0:
            progress(f"  {n} customers…")
        flagship_row = n == 0
        n_follow_ups = 6 if flagship_row else _weighted(rng, _FOLLOW_UP_COUNTS)
        times = gen.contact_ages(n_follow_ups, now)
        if flagship_row:
            times[-1] = now - dt.timedelta(days=2, hours=3)
        level = data["level"]
        if flagship_row:
            pass
        elif times and (now - times[-1]).days > 180 and rng.random() < 0.5:
            data["status"] = Customer.Status.DORMANT
        elif times and level == "A" and rng.random() < 0.4:
            data["status"] = Customer.Status.WON
        elif times and rng.random() < 0.08:
            data["status"] = Customer.Status.LOST
        chosen_tags = []
        if level == "A" and rng.random() < 0.6:
            chosen_tags.append(tags["重点客户"])
        if data.get("status") == Customer.Status.WON and rng.random() < 0.5:
            chosen_tags.append(tags["老客户"])
        if data.get("source") == "exhibition" and rng.random() < 0.5:
            chosen_tags.append(tags["展会线索"])
        if rng.random() < 0.04:
            chosen_tags.append(tags[rng.choice(("政府项目", "上市公司"))])
        collaborators = []
        if rng.random() < 0.06:
            colleagues = [u for u, s in owners if s.department == spec.department and u.pk != owner.pk]
            if colleagues:
                collaborators.append(rng.choice(colleagues))
        # The generator avoids look-alikes; should one slip through, the rep confirms it as a UI user would.
        customer = customer_create(
            actor=owner, data=data, tags=chosen_tags, collaborators=collaborators, confirm_warnings=True
        )
        result.counts["customers"] += 1
        created = (times[0] if times else now - dt.timedelta(days=rng.uniform(1, 365))) - dt.timedelta(
            days=rng.uniform(0, 20)
        )
        _backdate(Customer, customer.pk, created)

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

        for j, when in enumerate(times):
            text = gen.follow_up_text()
            fdata: dict[str, Any] = {"occurred_at": when, "contact": rng.choice(contacts), **text}
            if j == len(times) - 1 and rng.random() < 0.7:
                fdata["next_follow_up_on"] = (when + dt.timedelta(days=rng.randint(3, 30))).date()
            # Now and then the service desk took the call.
            author = service_agent if rng.random() < 0.05 and not spec.partner else owner
            follow_up_create(actor=author, customer=customer, data=fdata)
            result.counts["follow_ups"] += 1
        if flagship_row:
            result.flagship = customer


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


def demo_load(
    *,
    seed: int = DEFAULT_SEED,
    customers: int = DEFAULT_CUSTOMERS,
    progress: Callable[[str], None] = lambda _msg: None,
) -> Counter:
    """Build the whole demo company in one transaction. Returns what was created, by kind."""
    started = time.monotonic()
    now = timezone.now()
    gen = Generator(seed)
    with transaction.atomic():
        progress("Organisation and users…")
        result = org_build()
        gen.distinct_brands = True
        if customers <= BULK_THRESHOLD:
            progress(f"{customers} customers with contacts and follow-ups (through the services)…")
            customers_build(result=result, gen=gen, count=max(customers, 1), now=now, progress=progress)
        else:
            # A few hundred through the services (audited, with the flagship customer), the rest in bulk.
            progress(f"{SERVICE_PART} customers through the services…")
            customers_build(result=result, gen=gen, count=SERVICE_PART, now=now, progress=progress)
            rest = customers - SERVICE_PART
            gen.distinct_brands = False  # a few thousand brands cannot be unique across many thousands
            progress(f"{rest} more customers in bulk…")
            owners = [u for u, _s in _owners(result)]
            bulk = customers_bulk_generate(
                owners=owners, customers=rest, follow_ups=rest * 3, seed=seed + 1, now=now, gen=gen, progress=progress
            )
            result.counts.update(bulk)
        gen.distinct_brands = True
        progress("Tasks and daily work…")
        tasks_build(result=result, gen=gen, now=now)
        housekeeping_build(result=result, gen=gen)
        for step in registry.demo_steps:  # opportunities, quotes, contracts… from the apps above
            step(result=result, gen=gen, now=now, progress=progress)
    result.counts["seconds"] = round(time.monotonic() - started, 1)  # type: ignore[assignment]
    return result.counts


# --- the bulk path -------------------------------------------------------------------------------
def _cached_name_text(cache: dict[str, str], name: str) -> str:
    text = cache.get(name)
    if text is None:
        text = cache[name] = build_search_text(names=[name])
    return text


def _join(*parts: str) -> str:
    # build_search_text joins its parts with spaces: names first, then phones, then others.
    return " ".join(p for p in parts if p)


class _Inserter:
    """Plain multi-row INSERTs for one model (portable: SQLite and PostgreSQL).

    bulk_create spends most of its time preparing each field of each object; here every column's
    value is taken as given (or the field's default) and only dates are adapted for the database.
    Ids are assigned here, after the table's current maximum, so rows can refer to each other
    before they are written. Only for filling a database nobody else is writing to.
    """

    def __init__(self, model: type[Any], now: dt.datetime):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        ops = connection.ops
        self.adapters: list[Callable[[Any], Any] | None] = []
        for f in self.fields:
            if isinstance(f, models.DateTimeField):
                self.adapters.append(ops.adapt_datetimefield_value)
            elif isinstance(f, models.DateField):
                self.adapters.append(ops.adapt_datefield_value)
            else:
                self.adapters.append(None)
        # auto_now fields are stamped with `now`; other defaults are evaluated once.
        self.defaults = {
            f.attname: now if getattr(f, "auto_now", False) else f.get_default()
            for f in self.fields
            if not f.primary_key
        }
        columns = ", ".join(ops.quote_name(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        # Table and column names come from the model, never from input.
        self.sql = f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX({ops.quote_name('id')}) FROM {ops.quote_name(model._meta.db_table)}")  # noqa: S608
            self.next_id = (cursor.fetchone()[0] or 0) + 1
        self.rows: list[tuple[Any, ...]] = []

    def add(self, **values: Any) -> int:
        pk = self.next_id
        self.next_id += 1
        values["id"] = pk
        row = []
        for f, adapt in zip(self.fields, self.adapters, strict=True):
            v = values[f.attname] if f.attname in values else self.defaults[f.attname]
            row.append(adapt(v) if adapt is not None and v is not None else v)
        self.rows.append(tuple(row))
        return pk

    def flush(self) -> int:
        n = len(self.rows)
        if n:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, self.rows)
            self.rows = []
        return n


def customers_bulk_generate(
    *,
    owners: Sequence[User],
    customers: int,
    follow_ups: int,
    seed: int = DEFAULT_SEED,
    now: dt.datetime | None = None,
    gen: Generator | None = None,
    batch_size: int = 2000,
    progress: Callable[[str], None] = lambda _msg: None,
) -> Counter:
    """Insert `customers` customers (1-3 contacts each) and about `follow_ups` follow-ups in bulk.

    No audit rows and no per-row validation: this is for volume (benchmarks, load tests) in a
    database nobody else writes to meanwhile. Search text is precomputed with
    core.search.build_search_text, so search behaves as for rows made through the services.
    """
    gen = gen or Generator(seed)
    rng = gen.rng
    now = now or timezone.now()
    owner_info = {}
    for owner in owners:
        spec = next((s for s in DEMO_USERS if s.username == owner.username), None)
        region = spec.region if spec else rng.choice(("north", "east", "south", "west"))
        owner_info[owner.pk] = (region, owner.department_id)
    owner_ids = list(owner_info)
    counts: Counter = Counter()
    name_cache: dict[str, str] = {}
    contents = [gen.follow_up_text() for _ in range(500)]
    started = time.monotonic()
    made_follow_ups = 0
    for start in range(0, customers, batch_size):
        size = min(batch_size, customers - start)
        target = round(follow_ups * (start + size) / customers) - made_follow_ups
        per_customer = Counter(rng.randrange(size) for _ in range(max(target, 0)))
        with transaction.atomic():
            customer_rows = _Inserter(Customer, now)
            contact_rows = _Inserter(Contact, now)
            follow_up_rows = _Inserter(FollowUp, now)
            # Duplicate detection's match keys, from its own key functions (as customer_keys_rebuild writes them).
            key_rows = _Inserter(CustomerKey, now)
            for i in range(size):
                owner_id = rng.choice(owner_ids)
                region, department_id = owner_info[owner_id]
                data = gen.customer_data(region)
                times = gen.contact_ages(per_customer.get(i, 0), now)
                created = (times[0] if times else now - dt.timedelta(days=rng.uniform(1, 365))) - dt.timedelta(
                    days=rng.uniform(0, 20)
                )
                individual = data["kind"] == Customer.Kind.INDIVIDUAL
                name_text = (
                    _cached_name_text(name_cache, data["name"])
                    if individual
                    else build_search_text(names=[data["name"]])
                )
                facts: dict[str, Any] = {}
                if times:
                    facts = {"last_contact_at": times[-1], "status": Customer.Status.FOLLOWING}
                    if rng.random() < 0.6:
                        facts["next_follow_up_on"] = (times[-1] + dt.timedelta(days=rng.randint(3, 30))).date()
                customer_id = customer_rows.add(
                    **data,
                    **facts,
                    owner_id=owner_id,
                    department_id=department_id,
                    created_by_id=owner_id,
                    created_at=created,
                    # as if last edited at the last contact (or creation), not all at the moment of loading
                    updated_at=times[-1] if times else created,
                    search_text=_join(
                        name_text,
                        build_search_text(
                            phones=[data.get("phone", "")], others=[data.get("email", ""), data.get("credit_code", "")]
                        ),
                    ),
                )
                for kind, value in customer_key_pairs(
                    kind=data["kind"],
                    name=data["name"],
                    credit_code=data.get("credit_code", ""),
                    phone=data.get("phone", ""),
                    email=data.get("email", ""),
                ):
                    key_rows.add(customer_id=customer_id, contact_id=None, kind=kind, value=value)
                contact_ids = []
                for k in range(1 if individual else rng.randint(1, 3)):
                    cd = gen.contact_data(k)
                    if individual:
                        cd.update(name=data["name"], title="", mobile=data["phone"], is_decision_maker=True)
                    search_text = _join(
                        _cached_name_text(name_cache, cd["name"]),
                        build_search_text(phones=[cd["mobile"]], others=[cd.get("email", ""), cd.get("wechat", "")]),
                    )
                    contact_id = contact_rows.add(
                        **cd, customer_id=customer_id, created_at=created, search_text=search_text
                    )
                    contact_ids.append(contact_id)
                    for kind, value in contact_key_pairs(mobile=cd["mobile"], phone="", email=cd.get("email", "")):
                        key_rows.add(customer_id=customer_id, contact_id=contact_id, kind=kind, value=value)
                for when in times:
                    follow_up_rows.add(
                        **rng.choice(contents),
                        customer_id=customer_id,
                        contact_id=rng.choice(contact_ids),
                        author_id=owner_id,
                        occurred_at=when,
                        created_at=when,
                        updated_at=when,
                    )
            counts["customers"] += customer_rows.flush()
            counts["contacts"] += contact_rows.flush()
            made = follow_up_rows.flush()
            counts["dedupe_keys"] += key_rows.flush()
        counts["follow_ups"] += made
        made_follow_ups += made
        done = start + size
        if done % (batch_size * 10) == 0 or done == customers:
            rate = done / max(time.monotonic() - started, 1e-6)
            progress(f"  {done}/{customers} customers, {made_follow_ups} follow-ups ({rate:.0f} customers/s)")
    # Explicit ids leave PostgreSQL's sequences behind; move them past the new rows.
    reset = connection.ops.sequence_reset_sql(no_style(), [Customer, Contact, FollowUp, CustomerKey])
    if reset:
        with connection.cursor() as cursor:
            for statement in reset:
                cursor.execute(statement)
    return counts
