"""Custom fields on real-estate units: offered on the settings page only where real estate is switched on; the unit
form (errors naming the field), the unit page, the list's columns and filters, the export, the import (template and
cells), the REST API (typed in and out, a filter, validation naming `custom.<code>`) and the audit trail."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from guanxi.core.custom_fields import services as field_services
from guanxi.core.errors import ValidationFailed
from guanxi.core.imports.testing import run_import, xlsx_bytes
from guanxi.core.models import AuditLog, ImportJob
from guanxi.org.lists.testing import render_list, row_ids
from guanxi.realestate.models import Unit

pytestmark = pytest.mark.django_db
TARGET = "realestate.unit"


def _field(admin: Any, code: str, type_: str, **extra: Any) -> Any:
    data = {"target": TARGET, "code": code, "type": type_, "label_zh": code, "label_en": code.title(), **extra}
    return field_services.custom_field_create(actor=admin, data=data)


def test_units_are_a_host_only_where_real_estate_is_on(org: Any, settings: Any):
    client = Client()
    client.force_login(org["admin"])
    settings.REALESTATE_ENABLED = False
    assert "Real-estate units" not in client.get("/org/custom-fields/").content.decode()
    with pytest.raises(ValidationFailed) as refused:
        _field(org["admin"], "view", "text")
    assert "target" in refused.value.fields
    settings.REALESTATE_ENABLED = True
    assert "Real-estate units" in client.get("/org/custom-fields/").content.decode()
    assert _field(org["admin"], "view", "text").target == TARGET


def test_form_page_list_and_audit(org: Any, project: Any):
    admin, manager = org["admin"], org["east_manager"]
    _field(admin, "view", "choice", dictionary="customer_level", filterable=True, required=True)
    _field(admin, "parking", "boolean")
    unit = Unit.objects.filter(building=project.b1).order_by("floor", "number").first()
    client = Client()
    client.force_login(manager)
    page = client.get(f"/realestate/units/{unit.pk}/edit/").content.decode()
    assert 'name="custom.view"' in page and 'name="custom.parking"' in page
    form = {"entrance": unit.entrance, "floor": unit.floor, "number": unit.number, "layout": unit.layout_id or "",
            "orientation": unit.orientation, "built_area": unit.built_area, "usable_area": "", "decoration": "",
            "version": unit.version}  # fmt: skip
    missing = client.post(f"/realestate/units/{unit.pk}/edit/", form)
    assert missing.status_code == 400  # a required field: the error under it, nothing saved
    unit.refresh_from_db()
    assert unit.custom == {}
    saved = client.post(f"/realestate/units/{unit.pk}/edit/", {**form, "custom.view": "A", "custom.parking": "on"})
    assert saved.status_code == 302
    unit.refresh_from_db()
    assert unit.custom == {"view": "A", "parking": True}
    change = AuditLog.objects.filter(action="update", content_type__model="unit", object_id=str(unit.pk)).last()
    assert change is not None and "custom" in json.dumps(change.changes)
    detail = client.get(f"/realestate/units/{unit.pk}/").content.decode()
    assert 'data-custom-field="view"' in detail
    # the list: a filter and a column
    assert row_ids(render_list(client, "/realestate/units/", {"cf_view": "A"})) == [unit.pk]
    client.post("/lists/re_units/columns/", {"columns": ["cf_view", "cf_parking"]})
    assert ">View<" in client.get("/realestate/units/").content.decode().replace(" ", "")
    export = client.get("/lists/re_units/export/", {"fmt": "csv", "cf_view": "A"})
    assert export.status_code == 200 and "View" in export.content.decode("utf-8-sig")
    # an agent reads the unit but may not edit it: the form is refused and a post changes nothing
    client.force_login(org["east_rep"])
    assert client.get(f"/realestate/units/{unit.pk}/edit/").status_code == 403
    refused = client.post(f"/realestate/units/{unit.pk}/edit/", {**form, "custom.view": "B", "custom.parking": ""})
    assert refused.status_code == 403
    unit.refresh_from_db()
    assert unit.custom == {"view": "A", "parking": True}


def test_api_in_out_and_filter(org: Any, project: Any):
    admin, manager = org["admin"], org["east_manager"]
    _field(admin, "view", "choice", dictionary="customer_level")
    unit = Unit.objects.filter(building=project.b1).order_by("floor", "number").first()
    client = Client()
    client.force_login(manager)
    url = f"/api/v1/realestate/units/{unit.pk}"
    bad = client.patch(url, json.dumps({"custom": {"view": "nope"}}), content_type="application/json")
    assert bad.status_code == 400 and "custom.view" in bad.json()["error"]["fields"]
    ok = client.patch(url, json.dumps({"custom": {"view": "B"}}), content_type="application/json")
    assert ok.status_code == 200 and ok.json()["custom"] == {"view": "B"}
    found = client.get("/api/v1/realestate/units", {"custom": "view:B"}).json()
    assert [u["id"] for u in found["items"]] == [unit.pk]
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert any("view" in json.dumps(s) for name, s in schema.items() if "Unit" in name)
    # an agent reads units but may not edit them
    client.force_login(org["east_rep"])
    refused = client.patch(url, json.dumps({"custom": {"view": "C"}}), content_type="application/json")
    assert refused.status_code == 403
    unit.refresh_from_db()
    assert unit.custom == {"view": "B"}


def test_import_reads_custom_cells(org: Any, project: Any):
    admin, manager = org["admin"], org["east_manager"]
    _field(admin, "view", "choice", dictionary="customer_level")
    header = ["项目", "楼栋", "单元", "楼层", "房号", "建筑面积", "view"]
    rows = [header, ["锦绣花园", "1号楼", "1", 9, "901", 90, "A"]]
    job = run_import(actor=manager, kind="re_units", data=xlsx_bytes(rows))
    assert job.status == ImportJob.Status.DONE, job.report.get("rows")
    assert Unit.objects.get(building=project.b1, number="901").custom == {"view": "A"}
    # an existing unit: only the custom cell changes
    rows = [header, ["锦绣花园", "1号楼", "1", 9, "901", 90, "B"]]
    job = run_import(actor=manager, kind="re_units", data=xlsx_bytes(rows))
    assert job.status == ImportJob.Status.DONE, job.report.get("rows")
    assert Unit.objects.get(building=project.b1, number="901").custom == {"view": "B"}
