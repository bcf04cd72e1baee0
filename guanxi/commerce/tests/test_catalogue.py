"""The catalogue: product import (create and update by code, row errors), formula-safe export, price books in
quotes, permissions on catalogue writes."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from guanxi.commerce import services
from guanxi.commerce.models import Product
from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.imports.testing import run_import, xlsx_bytes
from guanxi.core.models import AuditLog, ImportJob

from .factories import PriceBookFactory, ProductFactory, ProductLineFactory

pytestmark = pytest.mark.django_db


def test_import_creates_and_updates_products_by_code(org: Any) -> None:
    ProductLineFactory(name="硬件设备")
    ProductFactory(code="HW-1", name="旧名称", list_price=Decimal("100"))
    data = xlsx_bytes([
        ["产品编码", "产品名称", "产品线", "单位", "目录价", "税率"],
        ["HW-1", "服务器", "硬件设备", "台", "38000", "13%"],
        ["SV-1", "实施服务", "", "人天", "2,500", "6"],
    ])  # fmt: skip
    job = run_import(actor=org["admin"], kind="products", data=data, name="products.xlsx")
    assert job.status == ImportJob.Status.DONE, job.report
    assert (job.created_count, job.updated_count) == (1, 1)
    hw = Product.objects.get(code="HW-1")
    assert (hw.name, hw.list_price, hw.tax_rate, hw.line.name) == (
        "服务器",
        Decimal("38000.00"),
        Decimal("0.1300"),
        "硬件设备",
    )
    assert Product.objects.get(code="SV-1").tax_rate == Decimal("0.0600")


def test_import_rejects_bad_rows_and_writes_nothing(org: Any) -> None:
    data = xlsx_bytes([
        ["产品编码", "产品名称", "目录价", "产品线"],
        ["A-1", "甲", "abc", ""],
        ["A-2", "", "10", ""],
        ["A-3", "丙", "10", "没有这个产品线"],
        ["A-4", "丁", "10", ""],
        ["A-4", "丁2", "10", ""],
    ])  # fmt: skip
    job = run_import(actor=org["admin"], kind="products", data=data, name="products.xlsx")
    assert job.status != ImportJob.Status.DONE
    assert job.rejected_count == 4
    assert not Product.objects.exists()


def test_import_needs_permission(org: Any) -> None:
    data = xlsx_bytes([["产品编码", "产品名称", "目录价"], ["A-1", "甲", "10"]])
    with pytest.raises(PermissionDeniedError):
        run_import(actor=org["east_rep"], kind="products", data=data, name="products.xlsx")


def test_export_is_formula_safe_and_audited(org: Any) -> None:
    ProductFactory(code='=HYPERLINK("x")', name="+危险")
    content, name, _mime = services.products_export(actor=org["admin"], params={}, fmt="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet.cell(2, 1).value.startswith("'=") and sheet.cell(2, 2).value.startswith("'+")
    assert name.endswith(".xlsx")
    assert AuditLog.objects.filter(action="export").exists()
    with pytest.raises(PermissionDeniedError):
        services.products_export(actor=org["east_rep"], params={}, fmt="csv")


def test_price_book_price_becomes_the_list_price(org: Any, customer: Any) -> None:
    product = ProductFactory(list_price=Decimal("1000"))
    book = services.price_book_save(actor=org["admin"], data={"name": "渠道价"}, prices={product: "850"})
    quote = services.quote_create(
        actor=org["east_rep"], customer=customer, data={"price_book": book},
        lines=[{"product": product, "quantity": 1, "discount": Decimal("0.9")}],
    )  # fmt: skip
    line = quote.lines.get()
    assert (line.list_price, line.unit_price) == (Decimal("850.00"), Decimal("765.00"))
    # a price book kept for other agents cannot be used
    agents_only = PriceBookFactory()
    agents_only.partner_orgs.set([org.agent])
    with pytest.raises(ValidationFailed) as exc:
        services.quote_create(actor=org["east_rep"], customer=customer, data={"price_book": agents_only},
                              lines=[{"product": product, "quantity": 1}])  # fmt: skip
    assert "price_book" in exc.value.fields


def test_product_writes_need_permission_and_unique_codes(org: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        services.product_create(actor=org["east_rep"], data={"code": "X", "name": "X", "list_price": "1"})
    services.product_create(actor=org["admin"], data={"code": "X", "name": "X", "list_price": "1"})
    with pytest.raises(ValidationFailed) as exc:
        services.product_create(actor=org["admin"], data={"code": "x", "name": "Y", "list_price": "1"})
    assert "code" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.product_create(actor=org["admin"], data={"code": "Z", "name": "Z", "list_price": "-1"})
    assert "list_price" in exc.value.fields
    assert Product.objects.count() == 1


def test_a_product_line_named_in_chinese_gets_a_chinese_code(org: Any) -> None:
    line = services.product_line_save(actor=org["admin"], data={"name": "软件 服务"})
    assert line.code == "软件-服务"
    with pytest.raises(ValidationFailed) as exc:
        services.product_line_save(actor=org["admin"], data={"name": "软件 服务"})
    assert "name" in exc.value.fields
