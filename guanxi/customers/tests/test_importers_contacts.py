"""The contact importer: contacts of existing customers within the importer's reach."""

from __future__ import annotations

import datetime as dt

import pytest

from guanxi.core.errors import PermissionDeniedError
from guanxi.core.imports import services
from guanxi.core.imports.testing import run_import, upload, xlsx_bytes
from guanxi.core.models import AuditLog, ImportJob
from guanxi.customers.models import Contact, Customer, CustomerKey
from guanxi.customers.search_text import contact_search_text
from guanxi.customers.services import contact_create, customer_create
from guanxi.customers.validators import credit_code_check_char

SKIP = ImportJob.Mode.SKIP_BAD_ROWS
CODE = "91110108MA01ABCD1" + credit_code_check_char("91110108MA01ABCD1")
HEADER = ["客户名称", "统一社会信用代码", "姓名", "职务", "手机", "邮箱", "生日", "决策人", "首要联系人"]


@pytest.fixture
def customers(org):
    own = customer_create(actor=org["east_rep"], data={"name": "北京华信科技有限公司", "credit_code": CODE})
    other = customer_create(actor=org["west_rep"], data={"name": "西安金创软件有限公司"})
    return own, other


def test_contacts_are_created_for_customers_found_by_name_or_credit_code(org, customers):
    own, _other = customers
    rows = [
        HEADER,
        ["北京华信科技有限公司", "", "王芳", "采购经理", "13812345678", "wf@example.com", "1985/6/1", "是", "是"],
        ["", CODE, "李强", "总经理", "13912345678", "", "", "否", ""],
    ]
    # a sales rep may create contacts (contacts.create) on their own customers
    job = run_import(actor=org["east_rep"], kind="contacts", data=xlsx_bytes(rows))
    assert job.status == ImportJob.Status.DONE, job.report.get("rows")
    wang = Contact.objects.get(name="王芳")
    assert (wang.customer, wang.title, wang.mobile, wang.email) == (own, "采购经理", "13812345678", "wf@example.com")
    assert wang.birthday == dt.date(1985, 6, 1) and wang.is_decision_maker and wang.is_primary
    assert wang.search_text == contact_search_text(wang)
    assert Contact.objects.get(name="李强").customer == own
    # the contacts' numbers count as the customer's duplicate keys; each contact is audited
    assert CustomerKey.objects.filter(customer=own, contact=wang, kind="phone", value="13812345678").exists()
    assert AuditLog.objects.filter(action="create", content_type__model="contact", customer_id=own.pk).count() == 2


def test_customers_out_of_reach_or_unknown_are_rejected(org, customers):
    rows = [
        HEADER,
        ["西安金创软件有限公司", "", "赵六", "", "13700000000", "", "", "", ""],
        ["没有这家公司", "", "钱七", "", "", "", "", "", ""],
        ["", "", "孙八", "", "", "", "", "", ""],
    ]
    job = run_import(actor=org["east_rep"], kind="contacts", data=xlsx_bytes(rows), mode=SKIP)
    assert job.report["counts"]["reject"] == 3
    reasons = [r[3] for r in job.report["rows"]]
    assert "not found among the customers you may add contacts to" in reasons[0]
    assert "not found" in reasons[1]
    assert "customer's name or credit code" in reasons[2]
    assert Contact.objects.count() == 0


def test_existing_contact_is_updated_by_mobile_and_primary_moves(org, customers):
    own, _other = customers
    rep = org["east_rep"]
    old_primary = contact_create(actor=rep, customer=own, data={"name": "周一", "is_primary": True})
    wang = contact_create(actor=rep, customer=own, data={"name": "王芳", "mobile": "138-1234-5678", "title": "采购"})
    rows = [HEADER, ["北京华信科技有限公司", "", "王芳", "采购总监", "+86 13812345678", "", "", "", "是"]]
    job = run_import(actor=rep, kind="contacts", data=xlsx_bytes(rows))
    assert job.report["counts"] == {"create": 0, "update": 1, "unchanged": 0, "reject": 0}
    wang.refresh_from_db()
    old_primary.refresh_from_db()
    assert wang.title == "采购总监" and wang.is_primary and wang.version == 2
    assert not old_primary.is_primary
    assert Contact.objects.count() == 2


def test_the_same_contact_twice_in_a_file_is_rejected(org, customers):
    rows = [HEADER, ["北京华信科技有限公司", "", "王芳", "", "13812345678", "", "", "", ""],
            ["北京华信科技有限公司", "", "王芳(2)", "", "138 1234 5678", "", "", "", ""]]  # fmt: skip
    job = run_import(actor=org["east_rep"], kind="contacts", data=xlsx_bytes(rows), mode=SKIP)
    assert job.created_count == 1 and "Row 2 of this file" in job.report["rows"][1][3]


def test_without_contacts_create_nothing_is_written(org, customers):
    before = Contact.objects.count(), Customer.objects.count()
    with pytest.raises(PermissionDeniedError):
        services.import_job_create(
            actor=org["executive"], kind="contacts", file=upload(xlsx_bytes([HEADER, ["x", "", "y"] + [""] * 6]))
        )
    assert ImportJob.objects.count() == 0
    assert (Contact.objects.count(), Customer.objects.count()) == before
