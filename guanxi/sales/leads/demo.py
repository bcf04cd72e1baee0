"""The demo company's leads (商机线索), one small story per state, built through the services (so the audit trail,
the notifications and the lead's history are real) and back-dated:

- new: enquiries from the web form, a call and an exhibition of the past two days, waiting in marketing's queue;
- valid / invalid: screened by marketing (徐静) yesterday, the invalid ones with their reason;
- assigned: handed to the reps this morning (张伟 finds one on his day), not yet called;
- following: reps working them for a week or two;
- converted: turned into a customer with its contact last month;
- lost: closed with the reason.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from guanxi.core.dictionaries.defaults import INDUSTRY_ALIASES
from guanxi.customers.demo import credit_code
from guanxi.customers.models import Customer
from guanxi.org.models import User

from . import services
from .models import Lead

S = Customer.Source
Z = Customer.Size


@dataclass(frozen=True)
class DemoLead:
    company: str
    person: str
    title: str
    mobile: str
    source: str
    province: str
    city: str
    industry: str
    size: str
    need: str
    status: str
    days_ago: float  # when it came in
    owner: str = ""  # who it is assigned to (the assigned, following, converted and lost ones)
    reason: str = ""  # why it is invalid or lost


L = Lead.Status
DEMO_LEADS = [
    DemoLead("青岛海澜船舶配件有限公司", "赵海峰", "采购经理", "13953201876", S.WEBSITE, "山东省", "青岛市", "制造业",
             Z.MEDIUM, "官网留言：想了解客户管理系统，约 50 个销售账号，希望下周演示。", L.NEW, 0.1),
    DemoLead("天津瑞丰冷链物流有限公司", "孙莉", "运营总监", "13820065521", S.PHONE, "天津市", "天津市", "物流",
             Z.LARGE, "来电咨询：车队与客户回访管理，关注移动端。", L.NEW, 0.3),
    DemoLead("苏州慧眼智能科技有限公司", "陈博", "总经理", "13913578842", S.EXHIBITION, "江苏省", "苏州市",
             "信息技术", Z.SMALL, "展会留资：对报价审批和合同管理感兴趣。", L.NEW, 1.2),
    DemoLead("", "王先生", "", "13701158830", S.CONSULTATION, "北京市", "北京市", "", "",
             "在线咨询：个人工作室，问价格。", L.NEW, 1.6),
    DemoLead("石家庄恒通建材有限公司", "李建国", "销售副总", "13903115526", S.EXHIBITION, "河北省", "石家庄市",
             "建材", Z.MEDIUM, "展会留资：经销商管理、渠道价格。", L.VALID, 2.0),
    DemoLead("杭州云栖文化传媒有限公司", "周敏", "市场总监", "13757136629", S.WEBSITE, "浙江省", "杭州市", "传媒",
             Z.SMALL, "官网试用申请：市场活动线索管理。", L.VALID, 2.5),
    DemoLead("北京某某咨询", "张三", "", "13800000000", S.PURCHASED, "北京市", "北京市", "", "",
             "购买名单，电话为空号。", L.INVALID, 3.0, reason="电话为空号，公司查无此名"),
    DemoLead("上海启明软件有限公司", "刘洋", "产品经理", "13601826674", S.CONSULTATION, "上海市", "上海市",
             "信息技术", Z.SMALL, "同行，咨询产品功能做竞品分析。", L.INVALID, 4.0, reason="同行竞品调研，非真实需求"),
    DemoLead("北京博睿德教育科技有限公司", "郑凯", "行政总监", "13911870032", S.REFERRAL, "北京市", "北京市",
             "教育", Z.MEDIUM, "老客户华信科技推荐：招生顾问的客户跟进与回款。", L.ASSIGNED, 0.2, owner="zhangwei"),
    DemoLead("唐山冀东钢构工程有限公司", "马腾", "副总经理", "13833521187", S.PHONE, "河北省", "唐山市",
             "建筑", Z.LARGE, "来电：项目型销售，报价到合同的审批。", L.ASSIGNED, 0.9, owner="lina"),
    DemoLead("宁波甬城汽配有限公司", "胡静", "销售经理", "13586620915", S.EXHIBITION, "浙江省", "宁波市",
             "制造业", Z.MEDIUM, "展会留资：经销商订单与回款。", L.ASSIGNED, 1.0, owner="wangfang"),
    DemoLead("北京中科信达数据技术有限公司", "吴迪", "CTO", "13520083341", S.WEBSITE, "北京市", "北京市",
             "信息技术", Z.MEDIUM, "官网试用：已试用两周，关心数据迁移与接口。", L.FOLLOWING, 12, owner="zhangwei"),
    DemoLead("天津港联国际货运代理有限公司", "高峰", "总经理", "13612087745", S.REFERRAL, "天津市", "天津市",
             "物流", Z.SMALL, "朋友介绍：想替换 Excel 管客户。", L.FOLLOWING, 8, owner="zhangwei"),
    DemoLead("南京钟山医疗器械有限公司", "钱芳", "商务总监", "13770651198", S.CONSULTATION, "江苏省", "南京市",
             "医疗", Z.MEDIUM, "在线咨询：医院客户拜访记录与合规。", L.FOLLOWING, 15, owner="wangfang"),
    DemoLead("北京京东方瑞达商贸有限公司", "冯雷", "总经理", "13641119865", S.EXHIBITION, "北京市", "北京市",
             "批发零售", Z.SMALL, "展会：门店会员与客户公海。", L.CONVERTED, 34, owner="zhangwei"),
    DemoLead("天津滨海光电科技有限公司", "蒋琳", "采购主管", "13816677021", S.WEBSITE, "天津市", "天津市",
             "制造业", Z.LARGE, "官网留言：销售预测与漏斗分析。", L.CONVERTED, 41, owner="lina"),
    DemoLead("保定瑞通农机有限公司", "韩冰", "办公室主任", "13932267706", S.PHONE, "河北省", "保定市", "制造业",
             Z.SMALL, "来电询价。", L.LOST, 20, owner="lina", reason="预算不足，明年再议"),
    DemoLead("嘉兴南湖纺织有限公司", "沈洁", "总经理助理", "13757326650", S.EXHIBITION, "浙江省", "嘉兴市",
             "纺织", Z.MEDIUM, "展会留资。", L.LOST, 26, owner="wangfang", reason="已选用其他厂商"),
]  # fmt: skip


def demo_leads(*, users: dict[str, User], now: dt.datetime) -> int:
    """Leads in every state; returns how many."""
    marketing = users.get("xujing") or users["admin"]
    made = 0
    for spec in DEMO_LEADS:
        owner = users.get(spec.owner) if spec.owner else None
        if spec.owner and owner is None:
            continue
        lead = _lead(spec, marketing=marketing, owner=owner)
        came_in = now - dt.timedelta(days=spec.days_ago)
        Lead.objects.filter(pk=lead.pk).update(created_at=came_in, updated_at=came_in + dt.timedelta(hours=2))
        made += 1
    return made


def _lead(spec: DemoLead, *, marketing: User, owner: User | None) -> Lead:
    data = {
        "company_name": spec.company,
        "person_name": spec.person,
        "title": spec.title,
        "mobile": spec.mobile,
        "source": spec.source,
        "province": spec.province,
        "city": spec.city,
        "industry": INDUSTRY_ALIASES.get(spec.industry, ""),
        "size": spec.size,
        "need": spec.need,
    }
    if spec.status == L.NEW:
        # The web form's enquiries come in without a user; the call and the exhibition are typed by marketing.
        actor = None if spec.source == S.WEBSITE else marketing
        return services.lead_create(actor=actor, data=data)
    if spec.status in (L.VALID, L.INVALID):
        lead = services.lead_create(actor=marketing, data=data)
        return services.lead_screen(actor=marketing, lead=lead, valid=spec.status == L.VALID, reason=spec.reason)
    assert owner is not None
    lead = services.lead_create(actor=marketing, data=data, owner=owner)
    if spec.status == L.ASSIGNED:
        return lead
    lead = services.lead_mark_following(actor=owner, lead=lead)
    if spec.status == L.LOST:
        return services.lead_lose(actor=owner, lead=lead, reason=spec.reason)
    if spec.status == L.CONVERTED:
        # The rep looks the company's credit code up when it becomes a customer (Beijing's or Tianjin's division).
        code = credit_code(random.Random(spec.mobile), "110108" if spec.province == "北京市" else "120116")
        return services.lead_convert(actor=owner, lead=lead, customer={"credit_code": code}).lead
    return lead
