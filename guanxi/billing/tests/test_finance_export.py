"""The finance export (会计凭证导出): a worked period's vouchers (invoice, void invoice in red, payment, cash
payment, reversal), balanced debits and credits, the administrator's accounts, receivable balances, the CSV and
XLSX files (formula-safe, audited), the API, the page, and who may export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from guanxi.billing import services
from guanxi.billing.models import FinanceAccounts, Invoice, Payment
from guanxi.billing.policies import finance_accounts_update
from guanxi.billing.selectors.finance import VOUCHER_HEADERS, finance_receivables, finance_vouchers
from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog

pytestmark = pytest.mark.django_db
D = Decimal
NOV = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))


@pytest.fixture
def november(people: Any, contract: Any) -> dict[str, Any]:
    """October: ¥40,000 invoiced, ¥30,000 collected. November: invoice A2 ¥11,300 at 13%, invoice A3 voided in
    November, ¥20,000 by bank, ¥500 in cash, a ¥5,000 payment reversed."""
    finance = people["finance"]
    services.payment_plan_save(
        actor=finance, contract=contract, instalments=[{"due_date": "2026-10-01", "amount": "100000"}]
    )
    services.invoice_issue(
        actor=finance, contract=contract, data={"number": "A1", "amount": "40000", "issued_on": "2026-10-10"}
    )
    services.payment_record(actor=finance, contract=contract, data={"amount": "30000", "received_on": "2026-10-20"})
    a2 = services.invoice_issue(
        actor=finance,
        contract=contract,
        data={"number": "A2", "amount": "11300", "issued_on": "2026-11-03", "tax_rate": "0.13"},
    )
    a3 = services.invoice_issue(
        actor=finance, contract=contract, data={"number": "A3", "amount": "1000", "issued_on": "2026-10-28"}
    )
    services.invoice_void(actor=finance, invoice=a3, reason="开错")
    Invoice.objects.filter(pk=a3.pk).update(voided_at=timezone.make_aware(dt.datetime(2026, 11, 5, 10)))
    bank = services.payment_record(
        actor=finance, contract=contract, data={"amount": "20000", "received_on": "2026-11-15", "account": "招行"}
    )
    cash = services.payment_record(
        actor=finance, contract=contract, data={"amount": "500", "received_on": "2026-11-16", "method": "cash"}
    )
    wrong = services.payment_record(
        actor=finance, contract=contract, data={"amount": "5000", "received_on": "2026-11-16"}
    )
    red = services.payment_reverse(actor=finance, payment=wrong, reason="退票")
    Payment.objects.filter(pk=red.pk).update(received_on=dt.date(2026, 11, 17))
    return {"a2": a2, "a3": a3, "bank": bank, "cash": cash, "wrong": wrong, "red": red}


def _vouchers(lines: list[Any]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for line in lines:
        out.setdefault(line.voucher_no, []).append(line)
    return out


def test_a_worked_period_s_vouchers(people, contract, november):
    lines = finance_vouchers(user=people["finance"], start=NOV[0], end=NOV[1])
    vouchers = _vouchers(lines)
    # one voucher per document, in date order: A2, A3 voided, bank, cash, the wrong payment, its reversal
    assert [(v[0].date.isoformat(), v[0].kind, v[0].reference) for v in vouchers.values()] == [
        ("2026-11-03", "invoice", "A2"),
        ("2026-11-05", "invoice_void", "A3"),
        ("2026-11-15", "payment", f"SK{november['bank'].pk:06d}"),
        ("2026-11-16", "payment", f"SK{november['cash'].pk:06d}"),
        ("2026-11-16", "payment", f"SK{november['wrong'].pk:06d}"),
        ("2026-11-17", "payment", f"SK{november['red'].pk:06d}"),
    ]
    # every voucher balances
    for voucher in vouchers.values():
        assert sum(x.debit for x in voucher) == sum(x.credit for x in voucher)
        assert [x.line_no for x in voucher] == list(range(1, len(voucher) + 1))
    # the invoice: Dr 1122 11,300 / Cr 6001 10,000 / Cr 22210102 1,300
    a2 = vouchers[1]
    assert [(x.account_code, x.debit, x.credit) for x in a2] == [
        ("1122", D("11300.00"), D("0")),
        ("6001", D("0"), D("10000.00")),
        ("22210102", D("0"), D("1300.00")),
    ]
    assert a2[0].summary == "开具发票 A2 上海恒信机械有限公司" and a2[0].customer_code == f"C{contract.customer_id:06d}"
    assert a2[0].tax_rate == D("0.1300") and a2[0].voucher_word == "记" and a2[0].contract_number == "HT-2026-00001"
    # the void invoice in red, the cash payment to cash on hand, the reversal in red
    assert [x.debit for x in vouchers[2]][0] < 0 and vouchers[2][0].summary.startswith("作废发票 A3")
    assert [(x.account_code, x.debit, x.credit) for x in vouchers[4]] == [
        ("1001", D("500.00"), D("0")),
        ("1122", D("0"), D("500.00")),
    ]
    assert vouchers[6][0].debit == D("-5000.00") and vouchers[6][0].summary.startswith("冲销收款")


def test_the_administrator_s_accounts_are_used(people, contract, november):
    finance_accounts_update(actor=people["admin"], data={"receivable_code": "112201", "voucher_word": "收"})
    assert FinanceAccounts.objects.count() == 1
    assert AuditLog.objects.filter(content_type__model="financeaccounts").exists()
    lines = finance_vouchers(user=people["finance"], start=NOV[0], end=NOV[1])
    assert {x.voucher_word for x in lines} == {"收"}
    assert lines[0].account_code == "112201" and lines[1].account_code == "6001"


def test_accounts_bad_input_and_permission(people):
    with pytest.raises(ValidationFailed) as exc:
        finance_accounts_update(actor=people["admin"], data={"revenue_code": "  ", "bogus": "x"})
    assert set(exc.value.fields) == {"bogus"}
    with pytest.raises(ValidationFailed) as exc:
        finance_accounts_update(actor=people["admin"], data={"revenue_code": "  "})
    assert set(exc.value.fields) == {"revenue_code"}
    with pytest.raises(PermissionDeniedError):
        finance_accounts_update(actor=people["finance"], data={"revenue_code": "6051"})
    assert not FinanceAccounts.objects.exists()


def test_receivable_balances_follow_the_statement_rule(people, contract, november):
    (row,) = finance_receivables(user=people["finance"], start=NOV[0], end=NOV[1])
    # opening 40,000 − 30,000 (A3 void never counts); invoiced 11,300; collected 20,000 + 500 + 5,000 − 5,000
    assert row[1:] == ["上海恒信机械有限公司", D("10000"), D("11300"), D("20500"), D("800"), "CNY"]


def test_the_files_are_formula_safe_and_audited(people, contract, november):
    contract.customer.name = "=HYPERLINK(1)"
    contract.customer.save()
    content, content_type, name = services.finance_export(
        actor=people["finance"], start="2026-11-01", end="2026-11-30", fmt="csv"
    )
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == VOUCHER_HEADERS and len(rows) == 1 + 3 + 3 + 2 + 2 + 2 + 2
    assert rows[1][11] == "'=HYPERLINK(1)" and name == "finance-vouchers-20261101-20261130.csv"
    book = openpyxl.load_workbook(
        io.BytesIO(services.finance_export(actor=people["finance"], start="2026-11-01", end="2026-11-30")[0])
    )
    assert book.sheetnames == ["凭证", "应收余额"]
    assert [c.value for c in book["凭证"][1]] == VOUCHER_HEADERS
    assert book["凭证"].cell(row=2, column=8).value == 11300  # a number, not text
    exports = AuditLog.objects.filter(action=AuditLog.Action.EXPORT, actor=people["finance"])
    assert exports.count() == 2
    assert exports.first().changes["export"][1]["start"] == "2026-11-01"


def test_a_bad_period_names_the_field(people):
    for start, end, field in (("2026-13-01", None, "start"), ("2026-11-30", "2026-11-01", "end")):
        with pytest.raises(ValidationFailed) as exc:
            services.finance_export(actor=people["finance"], start=start, end=end)
        assert field in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.finance_export(actor=people["finance"], start="2025-01-01", end="2026-11-30")
    assert "end" in exc.value.fields


def test_a_rep_may_not_export_and_nothing_is_audited(people, contract, november):
    with pytest.raises(PermissionDeniedError):
        services.finance_export(actor=people["east_rep"], start="2026-11-01", end="2026-11-30")
    assert not AuditLog.objects.filter(action=AuditLog.Action.EXPORT, actor=people["east_rep"]).exists()


def test_the_page_and_the_download(people, contract, november, client):
    client.force_login(people["finance"])
    page = client.get(reverse("billing:finance_export") + "?start=2026-11-01&end=2026-11-30")
    html = page.content.decode()
    assert page.status_code == 200 and "开具发票 A2" in html and page.context["vouchers"] == 6
    assert page.context["debit"] == page.context["credit"]
    bad = client.get(reverse("billing:finance_export") + "?start=nope")
    assert bad.status_code == 400 and "start" in bad.context["errors"]
    download = client.get(reverse("billing:finance_export_download") + "?start=2026-11-01&end=2026-11-30&fmt=csv")
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    client.force_login(people["east_rep"])
    assert client.get(reverse("billing:finance_export")).status_code == 403
    assert client.get(reverse("billing:finance_export_download")).status_code == 403


def test_the_settings_page(people, client):
    client.force_login(people["admin"])
    data = {
        "voucher_word": "记",
        "receivable_code": "112201",
        "receivable_name": "应收账款—货款",
        "revenue_code": "6001",
        "revenue_name": "主营业务收入",
        "output_tax_code": "22210102",
        "output_tax_name": "销项税额",
        "bank_code": "100201",
        "bank_name": "银行存款—招行",
        "cash_code": "1001",
        "cash_name": "库存现金",
    }
    assert client.post(reverse("billing:finance_settings"), data).status_code == 302
    assert FinanceAccounts.objects.get().bank_code == "100201"
    client.force_login(people["finance"])
    assert client.post(reverse("billing:finance_settings"), {**data, "bank_code": "x"}).status_code == 403
    assert FinanceAccounts.objects.get().bank_code == "100201"


def test_the_api(people, contract, november, api_token_for, client):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(people['finance'])}"}
    body = client.get("/api/v1/finance/vouchers?start=2026-11-01&end=2026-11-30", **auth).json()
    assert body["start"] == "2026-11-01" and len(body["items"]) == 14
    assert body["items"][0]["account_code"] == "1122" and body["items"][0]["kind"] == "invoice"
    xlsx = client.get("/api/v1/finance/export?start=2026-11-01&end=2026-11-30&format=xlsx", **auth)
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    bad = client.get("/api/v1/finance/vouchers?start=2026-11-30&end=2026-11-01", **auth)
    assert bad.status_code == 400 and "end" in bad.json()["error"]["fields"]
    rep = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(people['east_rep'])}"}
    assert client.get("/api/v1/finance/vouchers", **rep).status_code == 403
