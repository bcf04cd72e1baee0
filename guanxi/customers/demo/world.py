"""The demo company's world: its organisation (departments, positions, the people in every default role) and
what its customers look like (cities, industries, names, contacts, follow-up texts), with the seeded `Generator`
that makes them. Data only; the paths that write it are `service_path` and `bulk`."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from faker import Faker
from pypinyin import lazy_pinyin

from guanxi.core.dictionaries.defaults import INDUSTRY_ALIASES
from guanxi.org.models import Department

from ..dedupe.normalise import company_name_key
from ..models import Customer, FollowUp
from ..validators import CREDIT_CODE_CHARS, credit_code_check_char

DEMO_PASSWORD = "Guanxi-demo-2026"
DEFAULT_SEED = 2026
DEFAULT_CUSTOMERS = 300
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
        self._slugs: dict[str, str] = {}

    def city(self, region: str) -> tuple[str, str, str, str, str, tuple[str, ...]]:
        local = [c for c in CITIES if c[3] == region]
        if local and self.rng.random() < 0.8:
            return self.rng.choice(local)
        return self.rng.choice(CITIES)

    def slug(self, text: str) -> str:
        """`text` in pinyin without tones or spaces (for e-mail addresses); person names repeat, so remembered."""
        slug = self._slugs.get(text)
        if slug is None:
            slug = "".join(lazy_pinyin(text))
            if len(self._slugs) < 100_000:
                self._slugs[text] = slug
        return slug

    def reserve(self, name: str, brand: str) -> None:
        self.used_keys.add(company_name_key(name))
        self.used_brands.add(brand)

    def company_name(self, city_short: str, industry: str) -> str:
        rng = self.rng
        name = ""
        for attempt in range(50):
            brand = rng.choice(_BRAND_CHARS) + rng.choice(_BRAND_CHARS)
            # After a bulk demo of many thousands every brand may be taken: past 40 tries any brand will do.
            if brand[0] == brand[1] or (self.distinct_brands and brand in self.used_brands and attempt < 40):
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
            industry=INDUSTRY_ALIASES.get(industry, ""),  # stored as its GB/T 4754 section
            size=_weighted(rng, (("micro", 20), ("small", 35), ("medium", 25), ("large", 10), ("huge", 10))),
            phone=f"{area}-{rng.randint(5, 8)}{rng.randrange(10**6, 10**7)}" if rng.random() < 0.6 else mobile(rng),
        )
        if rng.random() < 0.4:
            slug = self.slug(company_name_key(data["name"]))
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
            data["email"] = f"{self.slug(name)}{rng.randint(1, 99)}@mail.example.com"
        if rng.random() < 0.4:
            data["wechat"] = f"wx_{self.slug(name)}{rng.randint(100, 999)}"
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
