"""The opportunity import (customers.importers.records): a row is a deal of an existing customer in the importer's
reach, opened through the opportunity service with its custom fields; the dry run names each refused row and field,
"all or nothing" writes nothing when a row is bad, and only who may import and create deals may import them."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

import guanxi.sales.opportunities.importers  # noqa: F401  (registers the importer even before providers.py does)
from guanxi.core.custom_fields import services as field_services
from guanxi.core.imports.spreadsheets import template_xlsx
from guanxi.core.imports.testing import csv_bytes, run_import
from guanxi.core.models import AuditLog, ImportJob
from guanxi.core.registry import registry
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory
from guanxi.sales.models import Opportunity

pytestmark = pytest.mark.django_db

HEADERS = ["客户名称", "商机名称", "联系人", "预计金额", "预计成交日期", "项目编号", "负责人"]


@pytest.fixture
def customer(org: Any) -> Any:
    customer = CustomerFactory(name="杭州云峰软件有限公司", owner=org["east_rep"])
    ContactFactory(customer=customer, name="陈明", mobile="13812345678")
    field_services.custom_field_create(
        actor=org["admin"],
        data={"target": "sales.opportunity", "code": "project_no", "type": "text", "label_zh": "项目编号",
              "label_en": "Project no", "unique": True},
    )  # fmt: skip
    return customer


def test_the_template_has_the_custom_column_and_the_customer_first(org: Any, customer: Any) -> None:
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(registry.importers["opportunities"])))
    headers = [str(c.value).rstrip(" *") for c in book.worksheets[0][1]]
    assert headers[0] == "Customer" and "Project no" in headers and "Expected close date" in headers


def test_rows_become_deals_through_the_service_and_bad_rows_name_row_and_field(org: Any, customer: Any) -> None:
    data = csv_bytes(
        [
            HEADERS,
            ["杭州云峰软件有限公司", "ERP 二期", "陈明", "¥120,000", "2026-12-31", "P-001", "east_rep"],
            ["杭州云峰软件有限公司", "MES 项目", "", "abc", "2026-12-31", "P-002", ""],
            ["不存在的公司", "CRM", "", "1000", "", "P-003", ""],
            ["杭州云峰软件有限公司", "WMS 项目", "", "5000", "", "P-001", ""],
        ]
    )
    # when the department manager checks the file (dry run)
    manager = org["east_manager"]
    job = run_import(actor=manager, kind="opportunities", data=data, name="o.csv", dry_run=True)
    # then nothing is written and each refused row names its field
    assert job.status == ImportJob.Status.CHECKED and not Opportunity.objects.exists()
    reasons = {r[0]: r[3] for r in job.report["rows"] if r[1] == "reject"}
    assert set(reasons) == {3, 4}, job.report["rows"]
    assert "Amount" in reasons[3] and "不存在的公司" in reasons[4]
    # when the file is imported all or nothing, nothing is written
    job = run_import(actor=manager, kind="opportunities", data=data, name="o.csv")
    assert job.status == ImportJob.Status.FAILED and not Opportunity.objects.exists()
    # when bad rows are skipped, the good row is a deal; the repeat of a unique custom value is refused
    skip = ImportJob.Mode.SKIP_BAD_ROWS
    job = run_import(actor=manager, kind="opportunities", data=data, name="o.csv", mode=skip)
    assert job.status == ImportJob.Status.DONE, (job.error, job.report)
    deal = Opportunity.objects.get()
    assert (deal.name, deal.amount, str(deal.expected_close_date)) == ("ERP 二期", 120000, "2026-12-31")
    assert deal.contact.name == "陈明" and deal.owner == org["east_rep"] and deal.custom == {"project_no": "P-001"}
    reasons = {r[0]: r[3] for r in job.report["rows"] if r[1] == "reject"}
    assert "Project no" in reasons[5] and job.created_count == 1
    # and the deal's creation is audited with its custom value
    entry = AuditLog.objects.get(action="create", content_type__model="opportunity", object_id=str(deal.pk))
    assert "P-001" in str(entry.changes)


def test_only_who_may_import_deals_may_and_a_refusal_writes_nothing(org: Any, customer: Any) -> None:
    data = csv_bytes([HEADERS, ["杭州云峰软件有限公司", "ERP 二期", "", "1000", "", "", ""]])
    importer = registry.importers["opportunities"]
    # a sales rep creates deals but may not import them; the manager may, and the list's ⋯ menu offers it to them
    assert not importer.permitted(org["east_rep"]) and importer.permitted(org["east_manager"])
    link = "?kind=opportunities"
    for user, offered in ((org["east_rep"], False), (org["east_manager"], True)):
        web = Client()
        web.force_login(user)
        assert (link in web.get(reverse("sales:opportunity_list")).content.decode()) is offered
    with pytest.raises(Exception):  # noqa: B017,PT011  (the engine refuses at upload: PermissionDeniedError)
        run_import(actor=org["east_rep"], kind="opportunities", data=data, name="o.csv")
    assert not Opportunity.objects.exists()
    # a manager of another department does not find the customer
    job = run_import(actor=org["west_manager"], kind="opportunities", data=data, name="o.csv", dry_run=True)
    assert job.report["counts"]["reject"] == 1 and not Opportunity.objects.exists()
