"""A custom field required per department: required only when a user of the chosen departments (or one beneath
them) writes the record, in the form (the required mark and the error under the field), the API (400 naming the
field) and the import (the row rejected naming the field); others may leave it empty. Administrators choose the
departments on the field's settings page, and the definitions endpoint says whether the field is required for the
asking user."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from guanxi.core.custom_fields import services as field_services
from guanxi.core.custom_fields.models import CustomField
from guanxi.core.errors import ValidationFailed
from guanxi.core.imports.spreadsheets import template_xlsx
from guanxi.core.imports.testing import csv_bytes, run_import
from guanxi.core.models import ImportJob
from guanxi.core.registry import registry
from guanxi.customers.models import Customer
from guanxi.customers.services import customer_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def field(org: Any) -> None:
    field_services.custom_field_create(
        actor=org["admin"],
        data={"target": "customers.customer", "code": "visit_report", "type": "text", "label_zh": "拜访报告",
              "label_en": "Visit report", "required_departments": [org.east.pk]},
    )  # fmt: skip


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_service_requires_it_of_the_chosen_department_and_those_beneath_only(org, field):
    # a west rep may leave it empty
    customer_create(actor=org["west_rep"], data={"name": "西部客户有限公司"})
    # an east rep and a rep of the team beneath the east department may not
    for user in (org["east_rep"], org["team_rep"]):
        with pytest.raises(ValidationFailed) as exc:
            customer_create(actor=user, data={"name": f"{user.username}客户有限公司"})
        assert "custom.visit_report" in exc.value.fields  # type: ignore[attr-defined]
    customer_create(actor=org["east_rep"], data={"name": "华东客户有限公司", "custom": {"visit_report": "已拜访"}})
    assert set(Customer.objects.values_list("name", flat=True)) == {"西部客户有限公司", "华东客户有限公司"}


def test_the_form_marks_it_required_for_the_department_only(org, field):
    base = {"kind": "company", "name": "表单客户有限公司", "level": "B", "status": "potential"}
    east = _client(org["east_rep"])
    response = east.post("/customers/new/", base)
    assert response.status_code == 200 and response.context["form"]["custom.visit_report"].errors
    assert response.context["form"].fields["custom.visit_report"].required
    assert not Customer.objects.exists()
    west = _client(org["west_rep"])
    assert not west.get("/customers/new/").context["form"].fields["custom.visit_report"].required
    assert west.post("/customers/new/", base).status_code == 302


def test_the_api_and_the_definitions_answer_per_user(org, field, api_token_for):
    client = Client()
    east = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(org['east_rep'])}"}
    west = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(org['west_rep'])}"}
    body = {"name": "接口客户有限公司"}
    refused = client.post("/api/v1/customers", body, content_type="application/json", **east)
    assert refused.status_code == 400 and "custom.visit_report" in refused.json()["error"]["fields"]
    assert client.post("/api/v1/customers", body, content_type="application/json", **west).status_code == 201
    defs = {d["code"]: d for d in client.get("/api/v1/custom-fields", **east).json()}
    assert defs["visit_report"]["required"] and defs["visit_report"]["required_departments"] == [org.east.pk]
    assert not {d["code"]: d for d in client.get("/api/v1/custom-fields", **west).json()}["visit_report"]["required"]


def test_the_import_rejects_the_departments_rows_without_it(org, field):
    skip = ImportJob.Mode.SKIP_BAD_ROWS
    data = csv_bytes([["客户名称", "拜访报告"], ["甲有限公司", ""], ["乙有限公司", "已拜访"]])
    job = run_import(actor=org["east_manager"], kind="customers", data=data, name="c.csv", mode=skip)
    reasons = {r[0]: r[3] for r in job.report["rows"] if r[1] == "reject"}
    assert list(reasons) == [2] and "Visit report" in reasons[2]
    west = run_import(actor=org["west_manager"], kind="customers", data=data, name="c.csv", mode=skip)
    assert west.report["counts"].get("reject", 0) == 0
    # the template's hint sheet says so
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(registry.importers["customers"])))
    hints = {row[0].value: row[2].value for row in book.worksheets[1].iter_rows(min_row=2) if row[0].value}
    assert "some departments" in hints["Visit report"]


def test_the_settings_page_sets_the_departments(org):
    admin = _client(org["admin"])
    response = admin.post(
        reverse("org:custom_field_create"),
        {"target": "customers.contact", "code": "hobby", "type": "text", "label_zh": "爱好",
         "required_departments": [str(org.west.pk)]},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:500]
    assert CustomField.objects.get(code="hobby").required_departments == [org.west.pk]
    assert "required in some departments" in admin.get(reverse("org:custom_field_list")).content.decode()
