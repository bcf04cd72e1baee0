"""The customer importer: round trips, encodings, matching existing customers, first registrant wins, owners."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from guanxi.core.imports.spreadsheets import template_xlsx
from guanxi.core.imports.testing import csv_bytes, run_import, xlsx_bytes
from guanxi.core.models import AuditLog, ImportJob
from guanxi.core.registry import registry
from guanxi.customers.dedupe.normalise import company_name_key
from guanxi.customers.models import Customer, CustomerKey, RegistrationConflict
from guanxi.customers.search_text import customer_search_text
from guanxi.customers.services import customer_create
from guanxi.customers.validators import credit_code_check_char

SKIP = ImportJob.Mode.SKIP_BAD_ROWS


def code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


CODE_A = code("91110108MA01ABCD1")
CODE_B = code("91310000MA1FL0000")


def test_template_round_trip(org):
    # given the downloaded template, filled in like a user would (the example row replaced)
    importer = registry.importers["customers"]
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(importer)))
    sheet = book.worksheets[0]
    headers = [c.value.rstrip(" *") for c in sheet[1]]
    values = {
        "Name": "北京华信科技有限公司", "Type": "Company", "Unified social credit code": CODE_A, "Level": "A · key",
        "Status": "Following up", "Industry": "制造业", "Size": "100–499 staff", "Source": "Exhibition",
        "Province": "北京", "City": "北京", "Address": "海淀区中关村大街1号", "Phone": "010-62881234",
        "E-mail": "info@huaxin.example.com", "Website": "www.huaxin.example.com", "Next follow-up": "2026/3/1",
        "Remarks": "老客户", "Owner": "",
    }  # fmt: skip
    for col, header in enumerate(headers, start=1):
        sheet.cell(row=2, column=col, value=values[header])
    buf = io.BytesIO()
    book.save(buf)
    # when imported
    job = run_import(actor=org["east_manager"], kind="customers", data=buf.getvalue(), name="filled.xlsx")
    # then the customer exists with every field right
    assert job.status == ImportJob.Status.DONE, job.error
    c = Customer.objects.get()
    assert (c.name, c.kind, c.credit_code, c.level, c.status) == (
        "北京华信科技有限公司", "company", CODE_A, "A", "following",
    )  # fmt: skip
    # (the industry by its Chinese label, stored as its GB/T 4754 code)
    assert (c.industry, c.size, c.source, c.province, c.city) == ("C", "medium", "exhibition", "北京", "北京")
    assert (c.phone, c.email, c.website) == ("010-62881234", "info@huaxin.example.com", "http://www.huaxin.example.com")
    assert c.next_follow_up_on == dt.date(2026, 3, 1)
    assert c.address == "海淀区中关村大街1号" and c.remarks == "老客户"
    assert c.owner == org["east_manager"] and c.department == org.east and c.created_by == org["east_manager"]
    # with the same search text and duplicate keys as a customer entered by hand
    assert c.search_text == customer_search_text(c)
    assert set(CustomerKey.objects.filter(customer=c).values_list("kind", "value")) >= {
        ("name", company_name_key(c.name)), ("credit_code", CODE_A),
    }  # fmt: skip


def test_imported_customers_are_found_by_the_search_box(org):
    # given customers imported in bulk (on SQLite the search index is filled in one statement)
    from guanxi.customers.selectors import search_customers

    manager = org["east_manager"]
    rows = [["客户名称", "手机"], ["北京华信科技有限公司", "13812345678"], ["上海申达贸易有限公司", "021-62881234"]]
    run_import(actor=manager, kind="customers", data=xlsx_bytes(rows))
    # when searching by a part of the name, by pinyin initials, and by phone digits
    found = {q: [c.name for c in search_customers(user=manager, query=q)] for q in ("华信", "bjhx", "62881234")}
    # then the search finds them, and customers entered later are still indexed (the trigger is back)
    assert found == {
        "华信": ["北京华信科技有限公司"],
        "bjhx": ["北京华信科技有限公司"],
        "62881234": ["上海申达贸易有限公司"],
    }
    customer_create(actor=manager, data={"name": "广州华信电子有限公司"})
    assert {c.name for c in search_customers(user=manager, query="华信")} == {
        "北京华信科技有限公司",
        "广州华信电子有限公司",
    }


def test_an_exported_list_imports_back(org):
    # given customers exported to CSV by the list's export (its headers, its labels)
    from guanxi.customers.services import customer_export

    manager = org["east_manager"]
    customer_create(actor=manager, data={"name": "杭州云峰软件有限公司", "level": "B", "phone": "0571-88886666"})
    content, _type, _name = customer_export(actor=manager, filters={}, fmt="csv")
    Customer.objects.all().delete()
    # when that file is imported
    job = run_import(actor=manager, kind="customers", data=content, name="export.csv")
    # then the customer is back
    assert job.status == ImportJob.Status.DONE, job.report.get("rows")
    c = Customer.objects.get()
    assert (c.name, c.level, c.phone, c.owner) == ("杭州云峰软件有限公司", "B", "0571-88886666", manager)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "gb18030"])
def test_csv_in_each_encoding(org, encoding):
    rows = [["客户名称", "手机", "客户级别", "下次跟进"], ["南京恒泰机械有限公司", "13812345678", "普通", "2026-04-01"]]
    job = run_import(actor=org["east_manager"], kind="customers", data=csv_bytes(rows, encoding=encoding), name="c.csv")
    assert job.status == ImportJob.Status.DONE
    c = Customer.objects.get()
    assert (c.name, c.level, c.next_follow_up_on) == ("南京恒泰机械有限公司", "B", dt.date(2026, 4, 1))


def test_formula_looking_cells_are_imported_as_text(org):
    rows = [["客户名称", "备注", "电话"], ['=HYPERLINK("http://x","y")', "@SUM(A1)", "+86 138 1234 5678"]]
    job = run_import(actor=org["east_manager"], kind="customers", data=xlsx_bytes(rows))
    assert job.status == ImportJob.Status.DONE
    c = Customer.objects.get()
    assert c.name == '=HYPERLINK("http://x","y")'
    assert c.remarks == "@SUM(A1)" and c.phone == "+86 138 1234 5678"


def test_field_validation_reasons(org):
    rows = [
        ["客户名称", "统一社会信用代码", "邮箱", "下次跟进", "客户级别"],
        ["甲公司", "91110108MA01ABCD10", "", "", ""],  # wrong checksum
        ["乙公司", "", "not-an-email", "", ""],
        ["丙公司", "", "", "2026-13-01", ""],
        ["丁" * 201, "", "", "", ""],
        ["戊公司", "", "", "", "超级"],
    ]
    job = run_import(actor=org["east_manager"], kind="customers", data=xlsx_bytes(rows), dry_run=True)
    reasons = {r[0]: r[3] for r in job.report["rows"]}
    assert "unified social credit code" in reasons[2].lower()
    assert "E-mail" in reasons[3]
    assert "2026-13-01" in reasons[4]
    assert "at most 200 characters" in reasons[5]
    assert "超级" in reasons[6]
    assert job.report["counts"]["reject"] == 5


def test_existing_customer_is_updated_by_credit_code(org):
    # given a customer of a rep in the manager's department
    rep, manager = org["east_rep"], org["east_manager"]
    c = customer_create(actor=rep, data={"name": "苏州博远电子有限公司", "credit_code": CODE_A, "industry": "C"})
    # when the manager imports a row with the same credit code, a new name and industry, and empty cells
    rows = [["客户名称", "统一社会信用代码", "行业", "电话"], ["苏州博远智能电子有限公司", CODE_A, "信息技术", ""]]
    job = run_import(actor=manager, kind="customers", data=xlsx_bytes(rows))
    # then that customer is updated (not duplicated), empty cells change nothing, and it is audited
    assert job.status == ImportJob.Status.DONE and job.updated_count == 1 and job.created_count == 0
    c.refresh_from_db()
    assert (c.name, c.industry, c.owner, c.version) == ("苏州博远智能电子有限公司", "I", rep, 2)
    assert c.search_text == customer_search_text(c)
    entry = AuditLog.objects.get(action=AuditLog.Action.UPDATE, object_id=str(c.pk))
    assert entry.changes["industry"] == ["C", "I"] and entry.actor == manager
    assert CustomerKey.objects.filter(customer=c, kind="name", value=company_name_key(c.name)).exists()


def test_existing_customer_is_matched_by_name_then_phone_and_unchanged_rows_are_left(org):
    manager = org["east_manager"]
    by_name = customer_create(actor=manager, data={"name": "成都天成科技有限公司", "level": "C"})
    by_phone = customer_create(actor=manager, data={"name": "重庆海德物流", "phone": "023-66668888"})
    same = customer_create(actor=manager, data={"name": "武汉光启材料有限公司", "level": "B"})
    rows = [
        ["客户名称", "客户级别", "电话"],
        ["成都天成科技有限公司", "A", ""],
        ["重庆海德物流有限公司", "", "023 6666 8888"],
        ["武汉光启材料有限公司", "B", ""],
    ]
    job = run_import(actor=manager, kind="customers", data=xlsx_bytes(rows))
    assert job.report["counts"] == {"create": 0, "update": 2, "unchanged": 1, "reject": 0}
    by_name.refresh_from_db()
    by_phone.refresh_from_db()
    same.refresh_from_db()
    assert by_name.level == "A"
    assert by_phone.name == "重庆海德物流有限公司" and by_phone.phone == "023 6666 8888"
    assert same.version == 1
    assert Customer.objects.count() == 3


def test_another_reps_customer_is_rejected_first_registrant_wins(org):
    # given a customer registered first by a rep of another department
    first = customer_create(actor=org["west_rep"], data={"name": "西安金创软件有限公司", "credit_code": CODE_B})
    # when the east manager imports it (other name spelling, same credit code) with another new customer
    rows = [["客户名称", "统一社会信用代码"], ["西安金创软件股份有限公司", CODE_B], ["西安新客户有限公司", ""]]
    job = run_import(actor=org["east_manager"], kind="customers", data=xlsx_bytes(rows), mode=SKIP)
    # then that row is rejected with the reason, the customer stays untouched with its owner,
    assert job.report["counts"]["reject"] == 1 and job.created_count == 1
    reason = job.report["rows"][0][3]
    assert "registered by another rep" in reason and "First registrant wins" in reason
    first.refresh_from_db()
    assert first.owner == org["west_rep"] and first.name == "西安金创软件有限公司" and first.version == 1
    # and the managers get a registration conflict to decide
    conflict = RegistrationConflict.objects.get()
    assert (conflict.customer, conflict.claimant, conflict.entry_path) == (first, org["east_manager"], "import")


def test_the_same_customer_twice_in_a_file_is_rejected_the_second_time(org):
    rows = [["客户名称", "手机"], ["青岛东方贸易有限公司", "13800000001"], ["青岛东方贸易", "13800000002"]]
    job = run_import(actor=org["east_manager"], kind="customers", data=xlsx_bytes(rows), mode=SKIP)
    assert job.created_count == 1
    assert job.report["rows"][1][1] == "reject" and "row 2 of this file" in job.report["rows"][1][3]


def test_a_shared_phone_only_warns(org):
    # given another rep's customer with a switchboard number (phone rule: warn)
    customer_create(actor=org["west_rep"], data={"name": "厦门海通集团", "phone": "0592-1234567"})
    rows = [["客户名称", "电话"], ["厦门海通船务有限公司", "0592-1234567"]]
    job = run_import(actor=org["east_manager"], kind="customers", data=xlsx_bytes(rows))
    assert job.created_count == 1
    assert "another rep" in job.report["rows"][0][3]


def test_owner_column_needs_assign_and_stays_within_scope(org):
    # given a business manager (assign) importing for colleagues
    manager = org["east_manager"]
    rows = [
        ["客户名称", "负责人"],
        ["宁波一号有限公司", "east_rep"],
        ["宁波二号有限公司", org["east_rep2"].name],
        ["宁波三号有限公司", "west_rep"],
        ["宁波四号有限公司", "nobody-such"],
    ]
    job = run_import(actor=manager, kind="customers", data=xlsx_bytes(rows), mode=SKIP)
    owners = dict(Customer.objects.values_list("name", "owner__username"))
    assert owners == {"宁波一号有限公司": "east_rep", "宁波二号有限公司": "east_rep2"}
    reasons = {r[0]: r[3] for r in job.report["rows"]}
    assert "outside what you may see" in reasons[4]
    assert "no active user" in reasons[5]
    assert Customer.objects.get(name="宁波一号有限公司").department == org.east


def test_owner_column_without_assign_is_refused(org, default_roles):
    from guanxi.org.models import Role

    # given a role with import but not assign
    role = Role.objects.create(code="importer", name="Importer", permissions=["customers.import", "customers.view"])
    rep = org["east_rep2"]
    rep.roles.add(role)
    rows = [["客户名称", "负责人"], ["自己的客户有限公司", "east_rep2"], ["别人的客户有限公司", "east_rep"]]
    job = run_import(actor=rep, kind="customers", data=xlsx_bytes(rows), mode=SKIP)
    assert list(Customer.objects.values_list("name", flat=True)) == ["自己的客户有限公司"]
    assert "assign permission" in job.report["rows"][1][3]


def test_customers_of_a_reviewing_department_wait_for_review(org):
    # given a department that reviews new customers, and an importer who may not approve
    from guanxi.core.models import Notification
    from guanxi.org.models import Role

    org.west.requires_customer_review = True
    org.west.save()
    role = Role.objects.create(code="importer", name="Importer", permissions=["customers.import", "customers.view"])
    rep = org["west_rep"]
    rep.roles.add(role)
    job = run_import(actor=rep, kind="customers", data=xlsx_bytes([["客户名称"], ["兰州新客户有限公司"]]))
    assert job.status == ImportJob.Status.DONE
    assert Customer.objects.get().review_status == Customer.Review.PENDING
    assert Notification.objects.filter(recipient=org["west_manager"], kind="customer_review").count() == 1


def test_pool_customer_is_rejected_with_a_hint_to_claim_it(org):
    from django.utils import timezone

    pooled = customer_create(actor=org["west_rep"], data={"name": "长沙卓越教育科技有限公司"})
    Customer.objects.filter(pk=pooled.pk).update(owner=None, pool_entered_at=timezone.now())
    job = run_import(actor=org["east_manager"], kind="customers", data=xlsx_bytes([["客户名称"], [pooled.name]]))
    assert job.status == ImportJob.Status.FAILED
    assert "public pool" in job.report["rows"][0][3]
    assert Customer.objects.count() == 1
