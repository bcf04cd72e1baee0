"""The finance export's reads (会计凭证导出): one period's invoices and payments as accounting voucher lines for a
Chinese accounting package (用友 / 金蝶 style), and each customer's receivable balance over the period.

Vouchers (one per business document, debit = credit in each; the accounts are policies.finance_accounts()):

- an invoice issued in the period: Dr accounts receivable (amount incl. tax) / Cr revenue (before tax) /
  Cr output VAT (tax);
- an invoice voided in the period: the same lines in red (negative amounts), dated the day it was voided, so an
  invoice booked in an earlier period is reversed in the period it was voided;
- a payment received in the period: Dr bank deposits (cash on hand for cash payments) / Cr accounts receivable;
  a reversal is a red payment on its own date (negative amounts), as the receivables pages count it.

Rows are the reader's: invoices and payments in their data scope for the export action (`action="export"`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.money import ZERO, to_cent
from guanxi.org.models import User
from guanxi.org.policies import require_permission, scope_queryset

from ..models import FinanceAccounts, Invoice, Payment
from ..policies import finance_accounts
from ._common import _bad

PERMISSION = "payments.export"
MAX_DAYS = 366

# The voucher sheet's columns, in the order an accounting package's voucher import template lists them.
VOUCHER_HEADERS = [
    "凭证日期",
    "凭证字",
    "凭证号",
    "分录号",
    "摘要",
    "科目编码",
    "科目名称",
    "借方金额",
    "贷方金额",
    "币种",
    "客户编码",
    "客户名称",
    "纳税人识别号",
    "税率",
    "税额",
    "业务类型",
    "单据号",
    "合同号",
]
RECEIVABLE_HEADERS = ["客户编码", "客户名称", "期初余额", "本期开票", "本期收款", "期末余额", "币种"]


@dataclass(frozen=True)
class VoucherLine:
    date: dt.date
    voucher_word: str
    voucher_no: int
    line_no: int
    summary: str
    account_code: str
    account_name: str
    debit: Decimal
    credit: Decimal
    currency: str
    customer_code: str
    customer_name: str
    tax_id: str
    tax_rate: Decimal | None
    tax_amount: Decimal | None
    kind: str  # invoice / invoice_void / payment
    reference: str
    contract_number: str

    def row(self) -> list[Any]:
        return [
            self.date,
            self.voucher_word,
            self.voucher_no,
            self.line_no,
            self.summary,
            self.account_code,
            self.account_name,
            self.debit,
            self.credit,
            self.currency,
            self.customer_code,
            self.customer_name,
            self.tax_id,
            self.tax_rate if self.tax_rate is not None else "",
            self.tax_amount if self.tax_amount is not None else "",
            {"invoice": "开票", "invoice_void": "发票作废", "payment": "收款"}[self.kind],
            self.reference,
            self.contract_number,
        ]


def customer_code(customer_id: int) -> str:
    """The customer's code in the accounting package's customer list (辅助核算·客户): stable, from its id."""
    return f"C{customer_id:06d}"


def finance_period(*, start: Any, end: Any) -> tuple[dt.date, dt.date]:
    """The period to export (both days included); default: last month. Bad dates name their field."""

    def parse(value: Any, name: str) -> dt.date | None:
        if value in (None, ""):
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise _bad(name, _("Enter a date as YYYY-MM-DD.")) from None

    first = parse(start, "start")
    last = parse(end, "end")
    if first is None and last is None:
        this_month = timezone.localdate().replace(day=1)
        last = this_month - dt.timedelta(days=1)
        first = last.replace(day=1)
    elif first is None:
        assert last is not None
        first = last.replace(day=1)
    elif last is None:
        last = ((first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)) - dt.timedelta(days=1)
    if last < first:
        raise _bad("end", _("The end date must not be before the start date."))
    if (last - first).days >= MAX_DAYS:
        raise _bad("end", _("Export at most %(days)s days at a time.") % {"days": MAX_DAYS})
    return first, last


def _invoice_lines(inv: Invoice, accounts: FinanceAccounts, *, sign: int, day: dt.date) -> list[dict[str, Any]]:
    customer = inv.contract.customer
    void = sign < 0
    what = "作废发票" if void else "开具发票"
    summary = f"{what} {inv.number} {customer.name}"
    common = {
        "date": day,
        "currency": inv.currency,
        "customer_code": customer_code(customer.pk),
        "customer_name": customer.name,
        "tax_id": inv.buyer_tax_id or customer.credit_code,
        "kind": "invoice_void" if void else "invoice",
        "reference": inv.number,
        "contract_number": inv.contract.number,
        "summary": summary,
    }
    lines = [
        {
            **common,
            "account_code": accounts.receivable_code,
            "account_name": accounts.receivable_name,
            "debit": to_cent(sign * inv.amount),
            "credit": ZERO,
            "tax_rate": inv.tax_rate,
            "tax_amount": to_cent(sign * inv.tax_amount),
        },
        {
            **common,
            "account_code": accounts.revenue_code,
            "account_name": accounts.revenue_name,
            "debit": ZERO,
            "credit": to_cent(sign * inv.net_amount),
            "tax_rate": None,
            "tax_amount": None,
        },
    ]
    if inv.tax_amount:
        lines.append(
            {
                **common,
                "account_code": accounts.output_tax_code,
                "account_name": accounts.output_tax_name,
                "debit": ZERO,
                "credit": to_cent(sign * inv.tax_amount),
                "tax_rate": inv.tax_rate,
                "tax_amount": to_cent(sign * inv.tax_amount),
            }
        )
    return lines


def _payment_lines(pay: Payment, accounts: FinanceAccounts) -> list[dict[str, Any]]:
    customer = pay.contract.customer
    cash = pay.method == Payment.Method.CASH
    red = pay.reversal_of_id is not None
    summary = f"{'冲销收款' if red else '收到货款'} {customer.name} {pay.contract.number}"
    common = {
        "date": pay.received_on,
        "currency": pay.currency,
        "customer_code": customer_code(customer.pk),
        "customer_name": customer.name,
        "tax_id": customer.credit_code,
        "kind": "payment",
        "reference": f"SK{pay.pk:06d}",
        "contract_number": pay.contract.number,
        "summary": summary,
        "tax_rate": None,
        "tax_amount": None,
    }
    amount = to_cent(pay.amount)
    return [
        {
            **common,
            "account_code": accounts.cash_code if cash else accounts.bank_code,
            "account_name": accounts.cash_name if cash else accounts.bank_name,
            "debit": amount,
            "credit": ZERO,
        },
        {
            **common,
            "account_code": accounts.receivable_code,
            "account_name": accounts.receivable_name,
            "debit": ZERO,
            "credit": amount,
        },
    ]


def finance_vouchers(*, user: User, start: dt.date, end: dt.date) -> list[VoucherLine]:
    """The period's voucher lines, in date order, numbered voucher by voucher (payments.export and its scope)."""
    require_permission(user, PERMISSION)
    accounts = finance_accounts()
    invoices = scope_queryset(user, Invoice.objects.all(), "export").select_related("contract__customer")
    issued = invoices.filter(issued_on__gte=start, issued_on__lte=end)
    # (__date reads the time in the company's time zone, as timezone.localdate does)
    voided = invoices.filter(status=Invoice.Status.VOID, voided_at__date__gte=start, voided_at__date__lte=end)
    payments = (
        scope_queryset(user, Payment.objects.all(), "export")
        .filter(received_on__gte=start, received_on__lte=end)
        .select_related("contract__customer")
    )
    documents: list[tuple[dt.date, int, str, list[dict[str, Any]]]] = []
    for inv in issued:
        documents.append((inv.issued_on, inv.pk, "a", _invoice_lines(inv, accounts, sign=1, day=inv.issued_on)))
    for inv in voided:
        assert inv.voided_at is not None
        day = timezone.localdate(inv.voided_at)
        documents.append((day, inv.pk, "b", _invoice_lines(inv, accounts, sign=-1, day=day)))
    for pay in payments:
        documents.append((pay.received_on, pay.pk, "c", _payment_lines(pay, accounts)))
    documents.sort(key=lambda d: (d[0], d[2], d[1]))
    out: list[VoucherLine] = []
    for number, (_day, _pk, _kind, lines) in enumerate(documents, start=1):
        for line_no, line in enumerate(lines, start=1):
            out.append(VoucherLine(voucher_word=accounts.voucher_word, voucher_no=number, line_no=line_no, **line))
    return out


def finance_receivables(*, user: User, start: dt.date, end: dt.date) -> list[list[Any]]:
    """Per customer and currency over the period: opening balance (invoiced − collected before it), invoiced and
    collected in it, closing balance (the monthly statement's rule: void invoices never count, reversals count
    on their own date)."""
    require_permission(user, PERMISSION)
    rows: dict[tuple[int, str], dict[str, Any]] = {}

    def row_for(customer: Any, currency: str) -> dict[str, Any]:
        return rows.setdefault(
            (customer.pk, currency),
            {"customer": customer, "currency": currency, "opening": ZERO, "invoiced": ZERO, "collected": ZERO},
        )

    invoices = (
        scope_queryset(user, Invoice.objects.all(), "export")
        .filter(status=Invoice.Status.ISSUED, issued_on__lte=end)
        .select_related("contract__customer")
    )
    for inv in invoices:
        row = row_for(inv.contract.customer, inv.currency)
        row["opening" if inv.issued_on < start else "invoiced"] += to_cent(inv.amount)
    payments = (
        scope_queryset(user, Payment.objects.all(), "export")
        .filter(received_on__lte=end)
        .select_related("contract__customer")
    )
    for pay in payments:
        row = row_for(pay.contract.customer, pay.currency)
        if pay.received_on < start:
            row["opening"] -= to_cent(pay.amount)
        else:
            row["collected"] += to_cent(pay.amount)
    out = []
    for row in sorted(rows.values(), key=lambda r: (r["customer"].name, r["currency"])):
        closing = row["opening"] + row["invoiced"] - row["collected"]
        if not any((row["opening"], row["invoiced"], row["collected"], closing)):
            continue
        customer = row["customer"]
        out.append(
            [
                customer_code(customer.pk),
                customer.name,
                row["opening"],
                row["invoiced"],
                row["collected"],
                closing,
                row["currency"],
            ]
        )
    return out
