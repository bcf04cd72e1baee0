"""Custom fields in the lead import, as in the customer import (core.imports.custom): each active lead field is a
column of the template, a header in either language maps to it, cells read as typed, the one check of custom values
refuses a bad or required-but-empty cell naming the field, and the creation's audit row names each value.
Opportunities, quotes and contracts have no spreadsheet importer, so they have no custom columns to import."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

import guanxi.sales.leads.importers  # noqa: F401  (registers the importer even before sales/providers.py does)
from guanxi.core.custom_fields import services as field_services
from guanxi.core.imports.spreadsheets import template_xlsx
from guanxi.core.imports.testing import csv_bytes, run_import
from guanxi.core.models import AuditLog, ImportJob
from guanxi.core.registry import registry
from guanxi.sales.models import Lead

pytestmark = pytest.mark.django_db


def _field(admin: Any, code: str, type_: str, **extra: Any) -> None:
    data = {"target": "sales.lead", "code": code, "type": type_, "label_zh": code, **extra}
    field_services.custom_field_create(actor=admin, data=data)


@pytest.fixture
def fields(org: Any) -> None:
    admin = org["admin"]
    _field(admin, "booth", "text", label_zh="展位号", label_en="Booth")
    _field(admin, "interests", "multi_choice", label_zh="关注行业", label_en="Interests", dictionary="industry")
    _field(admin, "budget", "money", label_zh="预算", label_en="Budget")


def test_the_lead_template_has_the_custom_columns(org: Any, fields: None) -> None:
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(registry.importers["leads"])))
    headers = [str(c.value).rstrip(" *") for c in book.worksheets[0][1]]
    assert {"Booth", "Interests", "Budget"} <= set(headers)
    hints = {row[0].value: row[2].value for row in book.worksheets[1].iter_rows(min_row=2) if row[0].value}
    assert "Several separated by commas" in hints["Interests"]


def test_lead_rows_carry_their_custom_values_and_bad_cells_name_the_field(org: Any, fields: None) -> None:
    _field(org["admin"], "visit_day", "date", label_zh="到访日", label_en="Visit day", required=True)
    data = csv_bytes(
        [
            ["公司名称", "联系人", "手机", "展位号", "关注行业", "预算", "到访日"],
            ["杭州云峰软件有限公司", "陈明", "13812345678", " A-12 ", "制造业、批发和零售业", "5000", "2026-12-01"],
            ["乙公司", "李雷", "13812345679", "", "", "abc", "2026-12-01"],
            ["丙公司", "韩梅", "13812345670", "B-3", "", "", ""],
        ]
    )
    # when a manager imports leads whose headers are the fields' Chinese labels
    skip = ImportJob.Mode.SKIP_BAD_ROWS
    job = run_import(actor=org["east_manager"], kind="leads", data=data, name="l.csv", mode=skip)
    # then the good row is a lead with the values in their stored forms
    assert job.status == ImportJob.Status.DONE, (job.error, job.report)
    lead = Lead.objects.get()
    assert lead.custom == {
        "booth": "A-12", "interests": ["C", "F"], "budget": "5000.00", "visit_day": "2026-12-01",
    }  # fmt: skip
    # and a bad money cell or an empty required field rejects its row naming the field
    reasons = {r[0]: r[3] for r in job.report["rows"] if r[1] == "reject"}
    assert "Budget" in reasons[3] and "Visit day" in reasons[4]
    # and the creation's audit row names each custom value
    entry = AuditLog.objects.get(action="create", content_type__model="lead", object_id=str(lead.pk))
    assert entry.changes["custom.booth"] == [None, "A-12"] and "custom" not in entry.changes
