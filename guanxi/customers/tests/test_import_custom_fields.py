"""Custom fields in the customer import: each active field is a column of the template (with what to enter), a
header in either language maps to it, a cell is read as a person types it (a choice by its label, several choices
separated by 、, a user by full name), the one check of custom values refuses what a form would refuse, naming the
field, and the audit trail names each custom value set or changed."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from guanxi.core.custom_fields import services as field_services
from guanxi.core.imports.spreadsheets import template_xlsx
from guanxi.core.imports.testing import csv_bytes, run_import
from guanxi.core.models import AuditLog, ImportJob
from guanxi.core.registry import registry
from guanxi.customers.models import Contact, Customer
from guanxi.customers.services import customer_create

pytestmark = pytest.mark.django_db
SKIP = ImportJob.Mode.SKIP_BAD_ROWS


def _field(admin: Any, code: str, type_: str, **extra: Any) -> None:
    data = {"target": "customers.customer", "code": code, "type": type_, "label_zh": code, **extra}
    field_services.custom_field_create(actor=admin, data=data)


@pytest.fixture
def fields(org: Any) -> None:
    admin = org["admin"]
    _field(admin, "tax_office", "text", label_zh="主管税务机关", label_en="Tax office")
    _field(admin, "tier", "choice", label_zh="合作等级", label_en="Tier", dictionary="customer_level")
    _field(admin, "sectors", "multi_choice", label_zh="涉及行业", label_en="Sectors", dictionary="industry")
    _field(admin, "budget", "money", label_zh="年度预算", label_en="Annual budget")
    _field(admin, "key_person", "user", label_zh="对接人", label_en="Key person")


def test_the_template_has_a_column_per_custom_field_with_what_to_enter(org: Any, fields: None) -> None:
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(registry.importers["customers"])))
    headers = [str(c.value).rstrip(" *") for c in book.worksheets[0][1]]
    assert {"Tax office", "Tier", "Sectors", "Annual budget", "Key person"} <= set(headers)
    hints = {row[0].value: row[2].value for row in book.worksheets[1].iter_rows(min_row=2) if row[0].value}
    assert "Several separated by commas" in hints["Sectors"]
    assert "User name or full name" in hints["Key person"]


def test_chinese_headers_map_and_cells_read_as_typed(org: Any, fields: None) -> None:
    manager, colleague = org["east_manager"], org["east_rep"]
    data = csv_bytes(
        [
            ["客户名称", "主管税务机关", "合作等级", "涉及行业", "年度预算", "对接人"],
            ["杭州恒信电子有限公司", " 杭州市 西湖区税务局 ", "A", "制造业、批发和零售业", "128000.50", colleague.name],
        ]
    )
    # when a manager imports a file whose headers are the fields' Chinese labels
    job = run_import(actor=manager, kind="customers", data=data, name="c.csv")
    # then the customer carries the values in their stored forms (codes, cents, the user's id)
    assert job.status == ImportJob.Status.DONE, (job.error, job.report)
    customer = Customer.objects.get(name="杭州恒信电子有限公司")
    assert customer.custom == {
        "tax_office": "杭州市 西湖区税务局",
        "tier": "A",
        "sectors": ["C", "F"],
        "budget": "128000.50",
        "key_person": colleague.pk,
    }
    # and its creation in the audit trail names each custom value
    entry = AuditLog.objects.get(object_id=str(customer.pk), object_repr=customer.name, action=AuditLog.Action.CREATE)
    assert entry.changes["custom.budget"] == [None, "128000.50"] and "custom" not in entry.changes


def test_a_cell_that_does_not_fit_rejects_its_row_naming_the_field(org: Any, fields: None) -> None:
    data = csv_bytes(
        [
            ["Name", "Annual budget", "Tier", "Key person"],
            ["甲公司", "abc", "", ""],
            ["乙公司", "", "Z", ""],
            ["丙公司", "", "", "nobody-here"],
            ["丁公司", "100", "B", ""],
        ]
    )
    job = run_import(actor=org["east_manager"], kind="customers", data=data, name="c.csv", mode=SKIP)
    # then only the good row is imported, and each bad one says which field and why
    assert list(Customer.objects.values_list("name", "custom")) == [("丁公司", {"budget": "100.00", "tier": "B"})]
    reasons = {r[0]: r[3] for r in job.report["rows"] if r[1] == "reject"}
    assert "Annual budget" in reasons[2] and "Tier" in reasons[3] and "Key person" in reasons[4]


def test_a_row_matching_a_customer_updates_its_custom_values_audited(org: Any, fields: None) -> None:
    manager = org["east_manager"]
    customer = customer_create(
        actor=manager, data={"name": "北京华信科技有限公司", "custom": {"tier": "B", "tax_office": "海淀"}}
    )
    data = csv_bytes([["Name", "Tier", "Tax office"], ["北京华信科技有限公司", "A", "海淀"]])
    job = run_import(actor=manager, kind="customers", data=data, name="c.csv")
    assert job.status == ImportJob.Status.DONE, (job.error, job.report)
    customer.refresh_from_db()
    assert customer.custom == {"tier": "A", "tax_office": "海淀"}
    entry = AuditLog.objects.get(object_id=str(customer.pk), object_repr=customer.name, action=AuditLog.Action.UPDATE)
    assert entry.changes == {"custom.tier": ["B", "A"]}


def test_a_field_the_importer_may_not_edit_refuses_the_row_and_changes_nothing(org: Any, fields: None) -> None:
    _field(org["admin"], "credit_limit", "money", label_en="Credit limit", edit_roles=["finance"])
    manager = org["east_manager"]
    customer = customer_create(actor=manager, data={"name": "北京华信科技有限公司"})
    Customer.objects.filter(pk=customer.pk).update(custom={"credit_limit": "1000.00"})
    data = csv_bytes([["Name", "Credit limit"], ["北京华信科技有限公司", "999999"]])
    job = run_import(actor=manager, kind="customers", data=data, name="c.csv")
    assert job.report["counts"]["reject"] == 1 and "Credit limit" in job.report["rows"][0][3]
    customer.refresh_from_db()
    assert customer.custom == {"credit_limit": "1000.00"}


def test_contacts_import_their_custom_fields_too(org: Any) -> None:
    field_services.custom_field_create(
        actor=org["admin"],
        data={"target": "customers.contact", "code": "hobby", "type": "text", "label_zh": "爱好", "label_en": "Hobby"},
    )
    manager = org["east_manager"]
    customer_create(actor=manager, data={"name": "北京华信科技有限公司"})
    data = csv_bytes([["客户名称", "姓名", "手机", "爱好"], ["北京华信科技有限公司", "王芳", "13800138000", "围棋"]])
    job = run_import(actor=manager, kind="contacts", data=data, name="c.csv")
    assert job.status == ImportJob.Status.DONE, (job.error, job.report)
    assert Contact.objects.get(name="王芳").custom == {"hobby": "围棋"}
