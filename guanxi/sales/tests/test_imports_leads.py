"""The lead importer (guanxi/sales/importers.py): leads into the screening queue, duplicates refused."""

from __future__ import annotations

import pytest

import guanxi.sales.leads.importers  # noqa: F401  (registers the importer even before sales/providers.py does)
from guanxi.core.errors import PermissionDeniedError
from guanxi.core.imports import services
from guanxi.core.imports.testing import csv_bytes, run_import, upload, xlsx_bytes
from guanxi.core.models import AuditLog, ImportJob
from guanxi.customers.services import customer_create
from guanxi.sales.models import Lead

HEADER = ["公司名称", "联系人", "手机", "邮箱", "来源", "需求"]


def test_leads_are_imported_into_the_screening_queue(org):
    rows = [HEADER, ["杭州云峰软件有限公司", "陈明", "13812345678", "CM@Example.com", "展会", "想了解报价"],
            ["", "李雷", "", "", "", ""]]  # fmt: skip
    job = run_import(actor=org["east_manager"], kind="leads", data=csv_bytes(rows, encoding="gbk"), name="l.csv",
                     mode=ImportJob.Mode.SKIP_BAD_ROWS)  # fmt: skip
    assert job.status == ImportJob.Status.DONE
    lead = Lead.objects.get()
    assert (lead.company_name, lead.person_name, lead.email, lead.source) == (
        "杭州云峰软件有限公司", "陈明", "cm@example.com", "exhibition",
    )  # fmt: skip
    assert lead.status == Lead.Status.NEW and lead.owner is None and lead.created_by == org["east_manager"]
    assert "chenming" in lead.search_text.split() and "13812345678" in lead.search_text.split()
    assert "way to reach" in job.report["rows"][1][3]
    assert AuditLog.objects.filter(action="create", content_type__model="lead", object_id=str(lead.pk)).exists()


def test_open_duplicates_are_rejected_and_customers_only_warn(org):
    manager = org["east_manager"]
    Lead.objects.create(person_name="旧线索", mobile="13900000000", created_by=manager)
    customer_create(actor=org["west_rep"], data={"name": "深圳腾飞电子有限公司"})
    rows = [
        HEADER,
        ["", "王五", "13900000000", "", "", ""],
        ["深圳腾飞电子有限公司", "赵六", "13700000000", "", "", ""],
        ["", "赵六二号", "13700000000", "", "", ""],
    ]
    job = run_import(actor=manager, kind="leads", data=xlsx_bytes(rows), mode=ImportJob.Mode.SKIP_BAD_ROWS)
    reasons = [r[3] for r in job.report["rows"]]
    assert "Already an open lead" in reasons[0]
    assert job.report["rows"][1][1] == "create" and "another rep" in reasons[1]
    assert "Row 3 of this file" in reasons[2]
    assert Lead.objects.count() == 2


def test_without_leads_import_nothing_is_written(org):
    with pytest.raises(PermissionDeniedError):
        services.import_job_create(actor=org["east_rep"], kind="leads", file=upload(xlsx_bytes([HEADER])))
    assert ImportJob.objects.count() == 0 and Lead.objects.count() == 0
