"""The import pages (guanxi/core/imports), importing customers: upload,
mapping, dry run, start with progress, result, report; permissions; phone layout."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from guanxi.core.imports.testing import xlsx_bytes
from guanxi.core.models import ImportJob
from guanxi.customers.models import Customer

HEADER = ["公司名称", "手机", "客户级别"]
ROWS = [["北京华信科技有限公司", "13812345678", "重点"], ["上海申达贸易有限公司", "13912345678", "VIP"]]


def upload_file(client, data: bytes, name: str = "客户.xlsx", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    form = {"kind": "customers", "mode": "all_or_nothing", "encoding": "", "idempotency_key": "k-1", **extra}
    return client.post(reverse("imports:new"), {**form, "file": SimpleUploadedFile(name, data)})


def test_the_whole_flow_in_the_browser(client, org, django_capture_on_commit_callbacks):
    manager = org["east_manager"]
    client.force_login(manager)
    # the upload page, reached from the customer list's "Import" (kind preselected), offers a template
    page = client.get(reverse("imports:new") + "?kind=customers")
    assert page.status_code == 200
    assert reverse("imports:template", args=["customers"]).encode() in page.content
    # upload → the mapping page, columns matched by their Chinese headers
    response = upload_file(client, xlsx_bytes([HEADER, *ROWS]))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:detail", args=[job.pk])
    page = client.get(reverse("imports:detail", args=[job.pk]))
    assert page.status_code == 200
    form = page.context["mapping_form"]
    assert form["col_0"].value() == "name" and form["col_1"].value() == "phone" and form["col_2"].value() == "level"
    # save the mapping → the dry run runs in the background and the page shows its result
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("imports:mapping", args=[job.pk]),
            {"col_0": "name", "col_1": "phone", "col_2": "level", "remember": "on"},
        )
    assert response.status_code == 302
    page = client.get(reverse("imports:detail", args=[job.pk]))
    assert page.context["counts"] == {"create": 1, "update": 0, "unchanged": 0, "reject": 1}
    assert "VIP" in page.content.decode()
    assert not Customer.objects.exists()
    # start, skipping the bad row → done, with a link to the customers
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:run", args=[job.pk]), {"mode": "skip_bad_rows"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert list(Customer.objects.values_list("name", flat=True)) == ["北京华信科技有限公司"]
    page = client.get(reverse("imports:detail", args=[job.pk]))
    assert "Import finished" in page.content.decode()
    # the report downloads as a workbook
    report = client.get(reverse("imports:report", args=[job.pk]))
    assert report.status_code == 200 and "spreadsheetml" in report["Content-Type"]
    assert "report.xlsx" in report["Content-Disposition"]
    rows = list(openpyxl.load_workbook(io.BytesIO(report.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3
    # and it is listed under "My imports"
    listing = client.get(reverse("imports:list"))
    assert "客户.xlsx" in listing.content.decode()


def test_progress_polls_until_the_job_ends(client, org):
    client.force_login(org["east_manager"])
    upload_file(client, xlsx_bytes([HEADER, ROWS[0]]))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, processed_rows=1, total_rows=4)
    running = client.get(reverse("imports:progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert running.status_code == 200 and "HX-Refresh" not in running
    assert 'hx-trigger="every 1s"' in running.content.decode() and "25%" in running.content.decode()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE)
    done = client.get(reverse("imports:progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"


def test_a_double_submit_gives_the_first_import(client, org):
    client.force_login(org["east_manager"])
    data = xlsx_bytes([HEADER, ROWS[0]])
    first = upload_file(client, data)
    second = upload_file(client, data)
    assert first["Location"] == second["Location"]
    assert ImportJob.objects.count() == 1


def test_a_bad_file_shows_the_reason_on_the_form(client, org):
    client.force_login(org["east_manager"])
    response = upload_file(client, b"%PDF-1.5 fake", name="customers.xlsx")
    assert response.status_code == 400
    assert "PDF" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_a_missing_required_column_is_shown_on_the_mapping(client, org):
    client.force_login(org["east_manager"])
    upload_file(client, xlsx_bytes([HEADER, ROWS[0]]))
    job = ImportJob.objects.get()
    response = client.post(reverse("imports:mapping", args=[job.pk]), {"col_0": "", "col_1": "phone"})
    assert response.status_code == 400
    assert "Choose a column for: Name" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED


def test_without_import_permission_the_pages_answer_403_and_nothing_is_written(client, org):
    client.force_login(org["east_rep"])  # a rep may not import customers; contacts need contacts.create
    assert client.get(reverse("imports:new") + "?kind=customers").status_code == 200  # contacts only
    response = upload_file(client, xlsx_bytes([HEADER, ROWS[0]]))
    assert response.status_code == 400  # "customers" is not a choice for them
    assert client.get(reverse("imports:template", args=["customers"])).status_code == 403
    client.force_login(org["nobody"])
    assert client.get(reverse("imports:new")).status_code == 403
    assert ImportJob.objects.count() == 0 and Customer.objects.count() == 0


def test_someone_elses_import_is_404(client, org):
    client.force_login(org["east_manager"])
    upload_file(client, xlsx_bytes([HEADER, ROWS[0]]))
    job = ImportJob.objects.get()
    client.force_login(org["west_manager"])
    for name in ("imports:detail", "imports:progress", "imports:report"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("imports:run", args=[job.pk]), {"mode": "skip_bad_rows"}).status_code == 404
    assert client.get("/imports/999999/").status_code == 404


@pytest.mark.parametrize("name", ["imports:list", "imports:new"])
def test_pages_use_phone_friendly_markup(client, org, name):
    client.force_login(org["east_manager"])
    upload_file(client, xlsx_bytes([HEADER, ROWS[0]]))
    html = client.get(reverse(name)).content.decode()
    assert 'name="viewport"' in html
    if name == "imports:list":
        assert "gx-table-cards" in html and "data-label=" in html and "gx-fab" in html


def test_template_download(client, org):
    client.force_login(org["east_manager"])
    response = client.get(reverse("imports:template", args=["customers"]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.worksheets[0].cell(row=1, column=1).value == "Name *"
    assert client.get("/imports/templates/nothing.xlsx").status_code == 400


def test_a_failed_import_shows_why_and_runs_again_in_chinese(client, org, django_capture_on_commit_callbacks):
    # given a Chinese-speaking manager whose import was failed because the worker running it died
    from guanxi.core import workers
    from guanxi.core.imports.testing import run_import
    from guanxi.core.models import WorkerHeartbeat

    manager = org["east_manager"]
    type(manager).objects.filter(pk=manager.pk).update(language="zh-hans")
    manager.refresh_from_db()
    job = run_import(actor=manager, kind="customers", data=xlsx_bytes([HEADER, ROWS[0]]), dry_run=True)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, worker_id="dead")
    WorkerHeartbeat.objects.create(worker_id="dead", stopped_at=timezone.now())
    workers.lost_jobs_recover()
    client.force_login(manager)
    # when the manager opens the import
    page = client.get(reverse("imports:detail", args=[job.pk]))
    # then the page says, in Chinese, that it failed, why, that nothing was written, and offers to run it again
    text = page.content.decode()
    assert page.status_code == 200
    assert "此次导入失败：没有写入任何数据。" in text
    assert "后台进程在运行此任务时停止了" in text
    assert "重新运行" in text and reverse("imports:run", args=[job.pk]) in text
    # and the created count shown is what was committed: 0
    assert page.context["counts"]["create"] == 0 and page.context["verdicts"]["create"] == 1
    # when they run it again
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:run", args=[job.pk]), {"mode": "all_or_nothing"})
    # then it is imported, once
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.created_count == 1
    assert list(Customer.objects.values_list("name", flat=True)) == [ROWS[0][0]]
