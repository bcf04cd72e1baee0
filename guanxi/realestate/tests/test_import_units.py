"""The units import on the shared import engine: units of an existing project's building from a spreadsheet, a dry
run that writes nothing, each problem named by row and field, repeats within the file rejected and units on record
updated (never a reserved one's area or decoration, so never its price), audited; offered to who may import."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from guanxi.core.imports.testing import run_import, xlsx_bytes
from guanxi.core.models import AuditLog, ImportJob
from guanxi.realestate import services
from guanxi.realestate.models import Unit

pytestmark = pytest.mark.django_db
SKIP = ImportJob.Mode.SKIP_BAD_ROWS
HEADER = ["项目", "楼栋", "单元", "楼层", "房号", "户型", "朝向", "建筑面积", "套内面积", "装修标准"]


def _reasons(job: ImportJob) -> dict[int, list[str]]:
    return {r[0]: r[3].split("; ") for r in job.report["rows"] if r[3]}


def test_units_import_into_a_building_after_a_dry_run_audited(org, project):
    manager = org["east_manager"]
    rows = [
        HEADER,
        ["锦绣花园", "1号楼", "2", 12, "1201", "a1", "南北通透", "118.5", "96.20", "精装"],
        ["锦绣花园", "1号楼", "", "7", "701", "", "南", 89.75, "", ""],
    ]
    job = run_import(actor=manager, kind="re_units", data=xlsx_bytes(rows), dry_run=True)
    assert job.status == ImportJob.Status.CHECKED, job.report.get("rows")
    assert not Unit.objects.filter(number__in=["1201", "701"]).exists()
    job = run_import(actor=manager, kind="re_units", data=xlsx_bytes(rows))
    assert job.status == ImportJob.Status.DONE, job.report.get("rows")
    high = Unit.objects.get(building=project.b1, entrance="2", number="1201")
    assert (high.floor, high.layout, high.orientation, high.built_area, high.usable_area, high.decoration) == (
        12,
        project.a1,
        "SN",
        D("118.50"),
        D("96.20"),
        project.fine,
    )
    low = Unit.objects.get(building=project.b1, entrance="1", number="701")
    assert (low.floor, low.orientation, low.built_area, low.status) == (7, "S", D("89.75"), "not_released")
    assert AuditLog.objects.filter(action="create", content_type__model="unit").count() == 2


def test_bad_rows_name_row_and_field_and_repeats_in_the_file_are_rejected(org, project):
    rows = [
        HEADER,
        ["锦绣花园", "9号楼", "1", 3, "301", "", "", 90, "", ""],  # 2: no such building
        ["锦绣花园", "1号楼", "1", 0, "001", "", "", 90, "", ""],  # 3: floor 0
        ["锦绣花园", "1号楼", "1", 8, "801", "Z9", "上", "-1", "", "毛坯"],  # 4: layout, orientation, area, decoration
        ["锦绣花园", "1号楼", "1", 8, "802", "", "", "", "", ""],  # 5: no area
        ["锦绣花园", "1号楼", "1", 8, "803", "", "", 90, 95, ""],  # 6: usable above built-up
        ["锦绣花园", "1号楼", "1", 9, "901", "", "", 90, "", ""],  # 7: fine
        ["锦绣花园", "1号楼", "1", 9, "901", "", "", 91, "", ""],  # 8: same unit as row 7
    ]
    job = run_import(actor=org["east_manager"], kind="re_units", data=xlsx_bytes(rows))
    assert job.status != ImportJob.Status.DONE
    assert not Unit.objects.filter(number="901").exists()  # all or nothing
    reasons = _reasons(job)
    assert "9号楼" in reasons[2][0] and reasons[2][0].startswith("Building")
    assert reasons[3][0].startswith("Floor")
    assert {r.split(":")[0] for r in reasons[4]} == {"Orientation", "Built-up area"}
    assert reasons[5] == ["Built-up area: this field is required."]
    assert reasons[6][0].startswith("Usable area")
    assert 7 not in reasons and "Row 7" in reasons[8][0]
    bad_names = ["锦绣花园", "1号楼", "1", 8, "801", "Z9", "", 90, "", "毛坯"]
    job = run_import(actor=org["east_manager"], kind="re_units", data=xlsx_bytes([HEADER, bad_names]))
    assert {r.split(":")[0] for r in _reasons(job)[2]} == {"Layout", "Decoration standard"}
    job = run_import(actor=org["east_manager"], kind="re_units", data=xlsx_bytes(rows), mode=SKIP)
    assert job.status == ImportJob.Status.DONE
    assert Unit.objects.get(number="901").built_area == D("90.00")


def test_units_on_record_are_updated_but_a_reserved_ones_area_and_price_never(org, project):
    admin = org["admin"]
    units = Unit.objects.filter(building=project.b1)
    services.prices_set_base(actor=admin, unit_ids=[u.pk for u in units], basis="per_m2", base_price="20000")
    held = units.get(number="101")
    services.units_release(actor=admin, unit_ids=[held.pk])
    services.unit_hold(actor=admin, unit=held, reason="VIP")
    rows = [
        HEADER,
        ["锦绣花园", "1号楼", "1", 1, "102", "A1", "东", 110, "", ""],  # update: repriced
        ["锦绣花园", "1号楼", "1", 1, "101", "A1", "S", 120, "", ""],  # held: area refused
        ["锦绣花园", "1号楼", "1", 2, "201", "A1", "S", 100, "", ""],  # unchanged
    ]
    job = run_import(actor=org["east_manager"], kind="re_units", data=xlsx_bytes(rows), mode=SKIP)
    assert job.status == ImportJob.Status.DONE, job.report.get("rows")
    assert "reserved" in _reasons(job)[3][0]
    assert [r[1] for r in job.report["rows"]][::2] == ["update", "unchanged"]
    moved = units.get(number="102")
    assert (moved.orientation, moved.built_area, moved.total_price) == ("E", D("110.00"), D("2200000.00"))
    assert moved.price_history.count() == 2
    held.refresh_from_db()
    assert (held.built_area, held.total_price) == (D("100.00"), D("2000000.00"))


def test_only_who_may_import_units_imports_and_the_list_offers_it(org, project, client, settings):
    rows = [HEADER, ["锦绣花园", "1号楼", "1", 9, "901", "", "", 90, "", ""]]
    from guanxi.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        run_import(actor=org["east_rep"], kind="re_units", data=xlsx_bytes(rows))
    assert not Unit.objects.filter(number="901").exists()
    client.force_login(org["east_manager"])
    page = client.get(reverse("realestate:unit_list")).content.decode()
    assert "?kind=re_units" in page
    template = client.get(reverse("imports:template", args=["re_units"]))
    assert template.status_code == 200
    client.force_login(org["east_rep"])
    assert "?kind=re_units" not in client.get(reverse("realestate:unit_list")).content.decode()
    settings.REALESTATE_ENABLED = False
    client.force_login(org["east_manager"])
    assert "re_units" not in client.get(reverse("imports:new")).content.decode()
    assert client.get(reverse("imports:template", args=["re_units"])).status_code == 404
