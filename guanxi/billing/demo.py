"""Billing's part of the demo company (a demo step that runs after commerce's): payment plans for the approved
and signed contracts, invoices, payments (some instalments overdue so the ageing report fills every bucket)
and three expense claims: one waiting for its manager, one for finance, one approved and paid. Written through the
services, as the finance user 何军 (hejun), so the audit trail is real.

When commerce's demo left no approved or signed contract (an older tree), two signed contracts are created
with plain ORM on commerce's model so the money pages still have something to show.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from guanxi.commerce.models import Contract
from guanxi.core.errors import ApplicationError

from . import services
from .models import Payment
from .policies import RECEIVABLE_STATUSES

FINANCE_USER = "hejun"
# Days from today to each contract's first due date: from long overdue (90+) to not yet due.
# The second contract's first instalment fell due three days ago and is part paid today: the month running always
# has money collected (and an instalment overdue) to show.
FIRST_DUE_OFFSETS = [-150, -3, -80, -65, -45, -35, -20, -10, 5, 30]


def _fallback_contracts(result: Any, today: dt.date) -> list[Contract]:
    from guanxi.customers.models import Customer

    out = []
    for i, customer in enumerate(
        Customer.objects.filter(owner__isnull=False, owner__partner_org__isnull=True).order_by("id")[:8]
    ):
        out.append(
            Contract.objects.create(
                number=f"HT-DEMO-{i + 1:03d}",
                title=f"{customer.name} 软件采购合同",
                customer=customer,
                owner=customer.owner,
                department=customer.owner.department,
                status=Contract.Status.SIGNED,
                amount=Decimal([360000, 128000, 86500, 245000, 52800, 198000, 99000, 450000][i]),
                signed_on=today - dt.timedelta(days=180 - 15 * i),
            )
        )
    return out


def _safely(progress: Any, run: Any) -> Any:
    """One demo write in a savepoint: a refusal (e.g. a rule an admin changed) skips it, not the demo."""
    try:
        with transaction.atomic():
            return run()
    except ApplicationError as exc:
        progress(f"  (skipped: {exc.message})")
        return None


def billing_demo_build(*, result: Any, gen: Any, now: dt.datetime, progress: Any) -> None:
    from django.utils import timezone

    today = timezone.localdate(now)
    finance = result.users.get(FINANCE_USER)
    if finance is None:
        return
    progress("Payment plans, invoices, payments and expense claims…")
    contracts = list(
        Contract.objects.filter(status__in=RECEIVABLE_STATUSES, amount__gt=0)
        .select_related("customer")
        .order_by("id")[:12]
    )
    if len(contracts) < 2:
        contracts += _fallback_contracts(result, today)
    for i, contract in enumerate(contracts):
        _contract_money(result=result, finance=finance, contract=contract, index=i, today=today, progress=progress)
    _expense_claims(result=result, today=today, progress=progress)


def _contract_money(
    *, result: Any, finance: Any, contract: Contract, index: int, today: dt.date, progress: Any
) -> None:
    """A contract's plan (30/60/10 every two months), then payments and an invoice by a pattern of four: the
    first instalment paid, part of it paid, paid in full, or nothing paid (overdue)."""
    first_due = today + dt.timedelta(days=FIRST_DUE_OFFSETS[index % len(FIRST_DUE_OFFSETS)])
    plan = _safely(
        progress,
        lambda: services.payment_plan_generate(
            actor=finance, contract=contract, first_due_date=first_due, percents=["30", "60", "10"], months_between=2
        ),
    )
    if not plan:
        return
    result.counts["instalments"] += len(plan)
    # 0: first instalment paid; 1: nothing paid (overdue); 2: paid in full; 3: part of the first paid
    pattern = [0, 3, 2, 1][index % 4]
    if pattern == 0:
        amounts = [plan[0].amount]
    elif pattern == 2:
        amounts = [plan[0].amount, plan[1].amount + plan[2].amount]
    elif pattern == 3:
        amounts = [(plan[0].amount / 2).quantize(Decimal("0.01"))]
    else:
        amounts = []
    for k, amount in enumerate(amounts):
        received = min(today, plan[k].due_date + dt.timedelta(days=3))
        method = [Payment.Method.BANK_TRANSFER, Payment.Method.ACCEPTANCE_BILL, Payment.Method.ONLINE][k % 3]
        paid = _safely(
            progress,
            lambda a=amount, r=received, m=method: services.payment_record(
                actor=finance,
                contract=contract,
                data={"amount": a, "received_on": r, "method": m, "account": "招商银行上海分行 1219 0888 8888"},
            ),
        )
        result.counts["payments"] += paid is not None
    if pattern != 1:
        invoiced = _safely(
            progress,
            lambda: services.invoice_issue(
                actor=finance,
                contract=contract,
                data={
                    "number": f"3100{today:%y}{index + 1:06d}",
                    "kind": "special" if contract.customer.credit_code else "ordinary",
                    "amount": max(plan[0].amount, sum(amounts, Decimal("0"))),
                    "tax_rate": "0.13",
                    "issued_on": min(today, plan[0].due_date),
                },
            ),
        )
        result.counts["invoices"] += invoiced is not None


def _approve_through(claim: Any, progress: Any, steps: int = 4) -> None:
    """Each step's approver approves the claim: the manager, then finance (whoever the rules name); only the first
    `steps` steps."""
    from guanxi.approvals.selectors import approval_open_for, current_step
    from guanxi.approvals.services import approval_approve

    for _step in range(steps):
        request = approval_open_for(claim)
        if request is None:
            break
        step = current_step(request)
        approver = next((a.user for a in step.assignments.all() if not a.decision), None) if step else None
        if (
            approver is None
            or _safely(progress, lambda r=request, u=approver: approval_approve(actor=u, request=r)) is None
        ):
            break


def _expense_claims(*, result: Any, today: dt.date, progress: Any) -> None:
    from guanxi.customers.models import FollowUp

    users = result.users
    for username, title, lines, settle in (
        (
            "wangfang",
            "上海客户拜访交通及招待费",
            [("transport", "186.00", "出租车往返"), ("entertainment", "860.00", "客户工作午餐")],
            "",
        ),
        (
            # approved by 王强, waiting for finance: 何军 finds it in his approvals
            "lina",
            "天津客户拜访差旅费",
            [("travel", "548.00", "城际高铁往返"), ("transport", "96.00", "市内出租车")],
            "manager",
        ),
        (
            # waiting for 王强 (李娜's manager) and 陈静 (杨帆's): every manager's dashboard has an approval waiting
            "lina",
            "北京客户技术交流会场地费",
            [("entertainment", "1200.00", "会议室租用半天"), ("other", "180.00", "资料印刷")],
            "",
        ),
        (
            "yangfan",
            "渠道伙伴季度拜访差旅费",
            [("travel", "720.00", "高铁往返"), ("transport", "65.00", "市内出租车")],
            "",
        ),
        (
            "zhangwei",
            "北京现场演示差旅费",
            [("travel", "1260.00", "高铁往返"), ("travel", "980.00", "酒店两晚"), ("other", "120.00", "资料打印")],
            "paid",
        ),
    ):
        claimant = users.get(username)
        if claimant is None:
            continue
        follow_up = FollowUp.objects.filter(author=claimant).select_related("customer").order_by("-occurred_at").first()
        if follow_up is None:
            continue
        claim = _safely(
            progress,
            lambda c=claimant, f=follow_up, t=title, ls=lines: services.expense_claim_create(
                actor=c,
                data={"title": t, "customer": f.customer, "follow_up": f, "purpose": f.content[:200]},
                lines=[
                    {"category": cat, "spent_on": today - dt.timedelta(days=5 + n), "amount": amount, "note": note}
                    for n, (cat, amount, note) in enumerate(ls)
                ],
            ),
        )
        if claim is None:
            continue
        result.counts["expense_claims"] += 1
        if _safely(progress, lambda c=claimant, cl=claim: services.expense_claim_submit(actor=c, claim=cl)) is None:
            continue
        if not settle:
            continue
        _approve_through(claim, progress, steps=1 if settle == "manager" else 4)
        claim.refresh_from_db()
        if claim.status == claim.Status.APPROVED:
            _safely(
                progress,
                lambda cl=claim: services.expense_claim_mark_paid(
                    actor=users[FINANCE_USER], claim=cl, reference="网银转账"
                ),
            )
