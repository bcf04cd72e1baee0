"""The commerce part of the demo company, built through the services as a demo step (registry.add_demo_step):
a catalogue of 20 products in 4 lines, a channel price book, quotes in every status (the approved ones approved
through the engine by the people the default rules name), contracts (the signed ones win their opportunities),
an execution order with a partial shipment and an implementation order. Deterministic per seed."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from guanxi.approvals.demo import demo_approve_all
from guanxi.customers.models import Customer
from guanxi.org.models import PartnerOrganisation

from . import services
from .models import Contract, Product, ProductLine, Quote

LINES = [
    ("software", "软件许可", [
        ("SW-CRM-STD", "关系CRM 标准版（每用户）", "用户", "1200"),
        ("SW-CRM-PRO", "关系CRM 专业版（每用户）", "用户", "2400"),
        ("SW-CRM-ENT", "关系CRM 企业版（每用户）", "用户", "4800"), ("SW-BI", "商业智能分析模块", "套", "60000"),
        ("SW-CALL", "呼叫中心模块", "套", "45000"), ("SW-APP", "移动端应用", "套", "30000"),
    ]),
    ("hardware", "硬件设备", [
        ("HW-SRV-2U", "机架式服务器 2U", "台", "38000"), ("HW-STO", "存储阵列 20TB", "台", "56000"),
        ("HW-FW", "下一代防火墙", "台", "26000"), ("HW-SW-48", "48口千兆交换机", "台", "8500"),
        ("HW-UPS", "不间断电源 6kVA", "台", "12000"),
    ]),
    ("services", "实施服务", [
        ("SV-IMP", "实施服务（人天）", "人天", "2500"), ("SV-DATA", "数据迁移服务", "项", "30000"),
        ("SV-TRAIN", "用户培训（天）", "天", "6000"), ("SV-DEV", "定制开发（人天）", "人天", "3000"),
        ("SV-PM", "项目管理服务", "月", "20000"),
    ]),
    ("maintenance", "运维服务", [
        ("MT-STD", "标准运维服务（年）", "年", "36000"), ("MT-GOLD", "金牌运维服务（年）", "年", "72000"),
        ("MT-HW", "硬件延保（年）", "年", "9000"), ("MT-ONSITE", "驻场运维（月）", "月", "25000"),
    ]),
]  # fmt: skip
TAX = {"software": Decimal("0.13"), "hardware": Decimal("0.13"), "services": Decimal("0.06"),
       "maintenance": Decimal("0.06")}  # fmt: skip
# (rep, [(discount, target status)]): each rep quotes a few of their customers. The quotes left in approval wait
# for the president's assistant 赵敏 (4.7折) and the vice presidents or the president (4.4折).
PLAN = [
    ("zhangwei", [("0.9", "accepted_signed"), ("0.48", "approved"), ("0.7", "draft"), ("0.55", "sent")]),
    ("lina", [("0.85", "accepted_contract"), ("0.44", "in_approval"), ("0.95", "rejected"), ("0.6", "revised")]),
    ("wangfang", [("0.8", "accepted_signed_orders"), ("0.6", "expired"), ("0.47", "in_approval"),
                  ("0.75", "approved")]),
    ("yangfan", [("0.65", "sent"), ("0.9", "draft")]),
]  # fmt: skip


# The warranty a delivered unit carries (hardware: three years), so a shipment's assets get their end date.
TERM_MONTHS = {"hardware": 36}


def _catalogue(admin: Any) -> dict[str, Product]:
    products: dict[str, Product] = {}
    for order, (code, name, items) in enumerate(LINES):
        line = ProductLine.objects.filter(code=code).first() or services.product_line_save(
            actor=admin, data={"name": name, "code": code, "sort_order": order}
        )
        for pcode, pname, unit, price in items:
            products[pcode] = services.product_create(
                actor=admin,
                data={"code": pcode, "name": pname, "unit": unit, "list_price": price, "tax_rate": TAX[code],
                      "line": line, "description": "", "term_months": TERM_MONTHS.get(code)},
            )  # fmt: skip
    return products


def demo_commerce(*, result: Any, gen: Any, now: dt.datetime, progress: Callable[[str], None]) -> None:
    progress("Products, quotes, contracts and orders…")
    rng = random.Random(20261202)
    users = result.users
    admin = users["admin"]
    _company(admin)
    products = _catalogue(admin)
    _channel_price_book(admin, products)
    catalogue = list(products.values())
    counts = {"quotes": 0, "contracts": 0}
    today = now.date()
    for username, plan in PLAN:
        rep = users.get(username)
        if rep is None:
            continue
        for customer, (discount, target) in zip(_rep_customers(rep, len(plan)), plan, strict=False):
            lines = [
                {"product": p, "quantity": Decimal(rng.choice([1, 2, 5, 10, 20])), "discount": Decimal(discount)}
                for p in rng.sample(catalogue, 3)
            ]
            counts["quotes"] += 1
            quote = _quote_to(target, rep=rep, customer=customer, lines=lines, today=today)
            if quote is not None:
                counts["contracts"] += 1
                _contract_to(target, rep=rep, quote=quote, users=users, today=today, rng=rng)
    result.counts["quotes"] = counts["quotes"]
    result.counts["contracts"] = counts["contracts"]
    result.counts["products"] = len(products)
    result.counts["quotes_approved"] = Quote.objects.exclude(status__in=["draft", "in_approval"]).count()


def _company(admin: Any) -> None:
    """The demo company's own details, printed as the seller on quotes, invoices and statements."""
    from guanxi.org.services import company_profile_update

    company_profile_update(
        actor=admin,
        data={
            "name": "华信科技集团有限公司",
            "address": "上海市浦东新区张江路 1000 号华信大厦 8 层",
            "phone": "021-5080 8000",
            "tax_id": "91310115MA1H8X2026",
            "bank_name": "招商银行上海分行",
            "bank_account": "1219 0888 8888",
        },
    )


def _channel_price_book(admin: Any, products: dict[str, Any]) -> None:
    """The partners' price book: list price at 8.5折."""
    partner = PartnerOrganisation.objects.order_by("pk").first()
    services.price_book_save(
        actor=admin,
        data={"name": "渠道价", "description": "代理商渠道价（目录价 8.5 折）"},
        prices={p: (p.list_price * Decimal("0.85")).quantize(Decimal("0.01")) for p in products.values()},
        partner_orgs=[partner] if partner else [],
    )


def _rep_customers(rep: Any, count: int) -> list[Customer]:
    """The rep's active customers to quote, those with an open deal of theirs first."""
    mine = Customer.objects.filter(owner=rep, pool_entered_at__isnull=True, review_status="active")
    with_deal = list(mine.filter(opportunities__status="open", opportunities__owner=rep).distinct().order_by("pk"))
    return (with_deal + [c for c in mine.order_by("pk")[:20] if c not in with_deal])[:count]


def _quote_to(target: str, *, rep: Any, customer: Customer, lines: list[dict[str, Any]], today: dt.date) -> Any:
    """A quote brought to `target`; the accepted quote when a contract follows from it, else None."""
    opp = customer.opportunities.filter(status="open", owner=rep).order_by("pk").first()
    data: dict[str, Any] = {"title": (f"{opp.name}报价" if opp else f"{customer.name[:40]} 采购报价")[:200]}
    if opp is not None:
        data["opportunity"] = opp
    if target == "expired":
        data.update(quote_date=today - dt.timedelta(days=45), valid_until=today - dt.timedelta(days=15))
    quote = services.quote_create(actor=rep, customer=customer, data=data, lines=lines)
    if target == "draft":
        return None
    quote = services.quote_submit(actor=rep, quote=quote)
    if target == "in_approval":
        return None
    demo_approve_all(quote)
    quote.refresh_from_db()
    if target == "rejected":
        services.quote_mark_sent(actor=rep, quote=quote)
        services.quote_record_answer(actor=rep, quote=quote, accepted=False, note="客户预算不足，暂缓采购")
        return None
    if target == "approved":
        return None
    if target == "revised":  # V1 stays readable (superseded), V2 is a new draft
        services.quote_revise(actor=rep, quote=quote)
        return None
    if target == "expired":
        services.quotes_expire(today=today)
        return None
    services.quote_mark_sent(actor=rep, quote=quote)
    if target == "sent":
        return None
    services.quote_record_answer(actor=rep, quote=quote, accepted=True)
    return quote


def _contract_to(
    target: str, *, rep: Any, quote: Quote, users: dict[str, Any], today: dt.date, rng: random.Random
) -> None:
    """The accepted quote's contract brought to `target` (drafted, or approved and signed, with its orders)."""
    contract = services.contract_create(
        actor=rep, quote=quote,
        data={"starts_on": today, "ends_on": today + dt.timedelta(days=365),
              "terms": "付款方式：合同签订后预付50%，验收后支付50%。"},
    )  # fmt: skip
    if target == "accepted_contract":
        return
    services.contract_submit(actor=rep, contract=contract)
    demo_approve_all(contract)
    contract.refresh_from_db()
    if contract.status != Contract.Status.APPROVED:
        return
    # One contract is signed in the month running (on or after its 1st), so the finance dashboard and the month's
    # report have a signed amount to show; the other a few weeks back, often last month.
    days_back = rng.randint(1, 20) if target == "accepted_signed_orders" else min(rng.randint(1, 20), today.day - 1)
    contract = services.contract_sign(actor=rep, contract=contract, signed_on=today - dt.timedelta(days=days_back))
    if target == "accepted_signed_orders":
        _orders(users, contract, today)


def _orders(users: dict[str, Any], contract: Contract, today: dt.date) -> None:
    """One execution order (issued, half shipped) and one implementation order for a signed contract."""
    issuer = users.get("sunhao") or users.get("admin")
    if issuer is None:
        return
    # the east rep's contract is outside the north business manager's department: the administrator issues
    from guanxi.org.policies import scope_queryset

    if not scope_queryset(issuer, Contract.objects.filter(pk=contract.pk), "view").exists():
        issuer = users["admin"]
    order = services.execution_order_create(actor=issuer, contract=contract, data={"required_by": today})
    order = services.execution_order_issue(actor=issuer, order=order)
    line = order.lines.order_by("position").first()
    if line is not None:
        half = max(Decimal("1"), (line.quantity / 2).quantize(Decimal("1")))
        services.shipment_record(
            actor=issuer, order=order, shipped_on=today, quantities={line.pk: min(half, line.quantity)},
            carrier="顺丰速运 SF1234567890",
        )  # fmt: skip
    engineer = users.get("guolei")
    if engineer is not None:
        services.implementation_order_create(
            actor=issuer, contract=contract,
            items=[{"title": "项目启动会", "assignee": engineer, "due_on": today + dt.timedelta(days=3)},
                   {"title": "系统安装与配置", "assignee": engineer, "due_on": today + dt.timedelta(days=10)},
                   {"title": "用户培训与验收", "assignee": engineer, "due_on": today + dt.timedelta(days=20)}],
        )  # fmt: skip
