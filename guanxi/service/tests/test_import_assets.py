"""The asset importer on the shared import engine: assets and policies of existing customers from a spreadsheet,
identifiers normalised, duplicates caught within the file and against the assets on record, each problem named by row
and field, a dry run that writes nothing, renewals opened at once for terms ending soon."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from guanxi.core.imports.testing import run_import, xlsx_bytes
from guanxi.core.models import AuditLog, ImportJob
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.service.models import Asset
from guanxi.service.renewals.models import Renewal

from .factories import make_asset

pytestmark = pytest.mark.django_db
SKIP = ImportJob.Mode.SKIP_BAD_ROWS
HEADER = ["客户名称", "资产名称", "类型", "车牌号", "保单号", "序列号", "起保日期", "终保日期", "状态"]


def test_assets_import_normalised_and_audited_with_their_renewal_when_near(people, customer):
    soon = timezone.localdate() + dt.timedelta(days=20)
    rows = [
        HEADER,
        [customer.name, "交强险 + 商业车险", "车险保单", "京ａ ８k3m2", " pdaa 2026 0001 ", "", "2025-12-27", soon, ""],
        [customer.name, "华信 HX-9000 服务器", "", "", "", "sn-0001", dt.date(2026, 1, 1), "2029/1/1", "在保"],
    ]
    # a dry run writes nothing
    job = run_import(actor=people["service_manager"], kind="assets", data=xlsx_bytes(rows), dry_run=True)
    assert job.status == ImportJob.Status.CHECKED, job.report.get("rows")
    assert not Asset.objects.exists()
    job = run_import(actor=people["service_manager"], kind="assets", data=xlsx_bytes(rows))
    assert job.status == ImportJob.Status.DONE, job.report.get("rows")
    car = Asset.objects.get(policy_number="PDAA20260001")
    assert (car.plate_number, car.kind, car.customer, car.ends_on) == ("京A8K3M2", "vehicle_policy", customer, soon)
    server = Asset.objects.get(serial_number="SN-0001")
    assert server.kind == "equipment" and server.status == "active" and server.ends_on == dt.date(2029, 1, 1)
    assert AuditLog.objects.filter(action="create", content_type__model="asset").count() == 2
    assert list(Renewal.objects.values_list("asset_id", flat=True)) == [car.pk]
    # the search finds the imported plate however it is typed
    from guanxi.service.selectors import identifier_search

    assert list(identifier_search(Asset.objects.all(), "京a-8K3M2")) == [car]


def test_bad_rows_name_the_row_and_field_and_duplicates_are_caught(people, customer):
    other = CustomerFactory(name="西安金创软件有限公司", owner=people["west_rep"])
    make_asset(people["west_rep"], other, policy_number="PDAA-OTHER-1")
    on_file = make_asset(people["east_rep"], customer, serial_number="sn-7", name="旧名称")
    rows = [
        HEADER,
        [customer.name, "", "车险保单", "", "P-1", "", "", "", ""],  # no name
        [customer.name, "设备", "飞机", "", "", "", "", "", ""],  # unknown kind
        [customer.name, "设备", "", "", "", "", "2026-13-45", "", ""],  # bad date
        [customer.name, "设备", "", "", "", "", "2026-05-01", "2026-04-01", ""],  # ends before it starts
        ["没有这家公司", "设备", "", "", "", "", "", "", ""],  # unknown customer
        [customer.name, "车险", "", "", "pdaa-other-1", "", "", "", ""],  # another customer's policy
        [customer.name, "车险", "", "", "P-2", "", "", "", ""],
        [customer.name, "车险", "", "", "p 2", "", "", "", ""],  # the same policy as the row above
        [customer.name, "新名称", "", "", "", "SN 7", "", "", ""],  # updates the asset on file
    ]
    job = run_import(actor=people["service_manager"], kind="assets", data=xlsx_bytes(rows), mode=SKIP)
    assert job.status == ImportJob.Status.DONE, job.report
    by_row = {r[0]: (r[1], r[3]) for r in job.report["rows"]}
    assert by_row[2] == ("reject", "Asset: this field is required.")
    assert by_row[3][0] == "reject" and by_row[3][1].startswith("Kind: 飞机 is not one of")
    assert by_row[4][0] == "reject" and by_row[4][1].startswith("Start date:")
    assert by_row[5][0] == "reject" and by_row[5][1].startswith("End date:")
    assert by_row[6][0] == "reject" and "not found among the customers you may add assets to" in by_row[6][1]
    assert by_row[7] == ("reject", "This policy or serial number is already recorded for another customer.")
    assert by_row[8][0] == "create"
    assert by_row[9][0] == "reject" and "Row 8 of this file is the same asset" in by_row[9][1]
    assert by_row[10][0] == "update"
    on_file.refresh_from_db()
    assert on_file.name == "新名称"
    assert Asset.objects.filter(customer=customer).count() == 2


def test_only_importers_of_assets_may_import_and_the_template_names_the_columns(people, client):
    from guanxi.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        run_import(actor=people["agent"], kind="assets", data=xlsx_bytes([HEADER]))
    client.force_login(people["service_manager"])
    page = client.get(reverse("imports:template", args=["assets"]))
    assert page.status_code == 200 and page["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_asset_list_offers_the_import_to_who_may_import(people, client):
    client.force_login(people["service_manager"])
    assert "?kind=assets" in client.get(reverse("service:asset_list")).content.decode()
    client.force_login(people["agent"])
    assert "?kind=assets" not in client.get(reverse("service:asset_list")).content.decode()


def test_custom_fields_are_columns_of_the_asset_import(people, customer):
    from guanxi.core.custom_fields import services as field_services

    field_services.custom_field_create(
        actor=people["admin"],
        data={"target": "service.asset", "code": "vin", "type": "text", "label_zh": "车架号", "label_en": "VIN"},
    )
    row = [customer.name, "车险", "车险保单", "京A1", "P-9", "", "", "", "", "LSVAU2180N2183001"]
    rows = [HEADER + ["车架号"], row]
    job = run_import(actor=people["service_manager"], kind="assets", data=xlsx_bytes(rows))
    assert job.status == ImportJob.Status.DONE, job.report.get("rows")
    assert Asset.objects.get(policy_number="P-9").custom == {"vin": "LSVAU2180N2183001"}
    rows[1][-1] = "LSVAU2180N2183002"
    job = run_import(actor=people["service_manager"], kind="assets", data=xlsx_bytes(rows), name="again.xlsx")
    assert job.report["rows"][0][1] == "update", job.report["rows"]
    assert Asset.objects.get(policy_number="P-9").custom == {"vin": "LSVAU2180N2183002"}
