"""The quote and contract imports (customers.importers.records): a row is a draft of an existing, active customer,
created through the quote or contract service with its custom fields; a bad row is named by row and field, "all or
nothing" writes nothing, and only who may import them may."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import guanxi.commerce.importers  # noqa: F401  (registers the importers even before providers.py does)
from guanxi.commerce.models import Contract, Quote
from guanxi.core.custom_fields import services as field_services
from guanxi.core.imports.testing import csv_bytes, run_import
from guanxi.core.models import ImportJob
from guanxi.core.registry import registry

pytestmark = pytest.mark.django_db


def _field(admin: Any, target: str) -> None:
    field_services.custom_field_create(
        actor=admin,
        data={"target": target, "code": "region", "type": "choice", "dictionary": "industry", "label_zh": "行业",
              "label_en": "Sector"},
    )  # fmt: skip


def test_quote_rows_become_drafts_and_a_bad_row_names_its_field(org: Any, customer: Any, products: Any) -> None:
    _field(org["admin"], "commerce.quote")
    data = csv_bytes(
        [
            ["客户名称", "标题", "产品", "数量", "折扣", "报价日期", "有效期至", "行业"],
            ["杭州云峰软件有限公司", "年度报价", "sw-std", "2", "0.9", "2026-11-01", "2026-12-01", "制造业"],
            ["杭州云峰软件有限公司", "错误报价", "SW-STD", "1", "", "2026-11-01", "2026-12-01", "不存在的行业"],
            ["杭州云峰软件有限公司", "无产品报价", "不存在的产品", "1", "", "", "", ""],
        ]
    )
    # when the department manager imports all or nothing, the bad row stops the import
    job = run_import(actor=org["east_manager"], kind="quotes", data=data, name="q.csv")
    assert job.status == ImportJob.Status.FAILED and not Quote.objects.exists()
    # when bad rows are skipped, the good row is a draft quote with its custom value and the primary contact
    skip = ImportJob.Mode.SKIP_BAD_ROWS
    job = run_import(actor=org["east_manager"], kind="quotes", data=data, name="q.csv", mode=skip)
    assert job.status == ImportJob.Status.DONE, (job.error, job.report)
    quote = Quote.objects.get()
    assert (quote.title, quote.status, quote.custom) == ("年度报价", Quote.Status.DRAFT, {"region": "C"})
    assert quote.contact.name == "陈明" and quote.number
    line = quote.lines.get()
    assert (line.product, line.quantity, line.discount) == (products[0], 2, Decimal("0.9")) and quote.total > 0
    reasons = {r[0]: r[3] for r in job.report["rows"] if r[1] == "reject"}
    assert "Sector" in reasons[3] and "Product" in reasons[4]


def test_contract_rows_become_drafts_and_a_bad_row_names_its_field(org: Any, customer: Any) -> None:
    _field(org["admin"], "commerce.contract")
    data = csv_bytes(
        [
            ["客户名称", "合同名称", "合同金额", "开始日期", "结束日期", "行业"],
            ["杭州云峰软件有限公司", "年度维保合同", "120000", "2026-01-01", "2026-12-31", "C"],
            ["杭州云峰软件有限公司", "坏合同", "-5", "2026-01-01", "2025-12-31", ""],
            ["北京某不存在公司", "无客户合同", "1", "", "", ""],
        ]
    )
    skip = ImportJob.Mode.SKIP_BAD_ROWS
    job = run_import(actor=org["east_manager"], kind="contracts", data=data, name="c.csv", mode=skip)
    assert job.status == ImportJob.Status.DONE, (job.error, job.report)
    contract = Contract.objects.get()
    assert (contract.title, contract.amount, contract.custom) == ("年度维保合同", 120000, {"region": "C"})
    reasons = {r[0]: r[3] for r in job.report["rows"] if r[1] == "reject"}
    assert set(reasons) == {3, 4} and "北京某不存在公司" in reasons[4]


def test_only_who_may_import_quotes_and_contracts_may(org: Any, customer: Any) -> None:
    for kind in ("quotes", "contracts"):
        importer = registry.importers[kind]
        assert importer.permitted(org["east_manager"]) and not importer.permitted(org["east_rep"])
