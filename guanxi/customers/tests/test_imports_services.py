"""The import engine (guanxi/core/imports) importing customers: dry run,
all or nothing, skip bad rows, idempotency, bad files, permissions, audit, report."""

from __future__ import annotations

import io

import openpyxl
import pytest

from guanxi.core.errors import InvalidStateError, NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.imports import services
from guanxi.core.imports.reading import FileRefused
from guanxi.core.imports.spreadsheets import report_xlsx, template_xlsx
from guanxi.core.imports.testing import csv_bytes, run_import, upload, xlsx_bytes
from guanxi.core.models import AuditLog, ImportJob, ImportMapping, Notification
from guanxi.core.registry import registry
from guanxi.customers.models import Customer, CustomerKey

HEADER = ["客户名称", "手机", "客户级别"]
GOOD = [["北京华信科技有限公司", "13812345678", "重点"], ["上海申达贸易有限公司", "13912345678", "B"]]
BAD = ["广州坏数据有限公司", "13712345678", "VIP"]


def counts() -> tuple[int, int, int]:
    return Customer.objects.count(), CustomerKey.objects.count(), AuditLog.objects.count()


def test_dry_run_writes_nothing_and_reports_every_row(org):
    # given a file with two good rows and one bad row
    before = counts()
    data = xlsx_bytes([HEADER, *GOOD, BAD])
    # when only the dry run runs
    job = run_import(actor=org["east_manager"], kind="customers", data=data, dry_run=True)
    # then nothing was written, and the report says what would happen and why
    assert counts() == before
    assert job.status == ImportJob.Status.CHECKED
    assert job.report["counts"] == {"create": 2, "update": 0, "unchanged": 0, "reject": 1}
    row4 = job.report["rows"][2]
    assert row4[0] == 4 and row4[1] == "reject" and "VIP" in row4[3]
    assert job.processed_rows == job.total_rows == 3


def test_all_or_nothing_with_one_bad_row_writes_nothing(org):
    # given one bad row among good ones
    before = counts()
    data = xlsx_bytes([HEADER, *GOOD, BAD])
    # when imported all or nothing
    job = run_import(actor=org["east_manager"], kind="customers", data=data)
    # then the import failed, nothing was written, and the bad row is reported
    assert job.status == ImportJob.Status.FAILED
    assert "1 rows have errors" in job.error
    assert counts() == before
    assert job.report["counts"]["reject"] == 1
    assert Notification.objects.filter(recipient=org["east_manager"], kind="import_failed").count() == 1
    # and its counts say what was committed: nothing created or updated; what the rows were found to be stays
    # under "verdicts"
    assert (job.created_count, job.updated_count, job.rejected_count) == (0, 0, 1)
    assert job.report["counts"] == {"create": 0, "update": 0, "unchanged": 0, "reject": 1}
    assert job.report["verdicts"] == {"create": 2, "update": 0, "unchanged": 0, "reject": 1}


def test_skip_bad_rows_writes_the_good_ones_and_reports_the_bad(org):
    # given the same file
    data = xlsx_bytes([HEADER, *GOOD, BAD])
    # when imported skipping bad rows
    job = run_import(actor=org["east_manager"], kind="customers", data=data, mode=ImportJob.Mode.SKIP_BAD_ROWS)
    # then the good rows exist and the bad one is reported with its reason
    assert job.status == ImportJob.Status.DONE
    assert (job.created_count, job.rejected_count) == (2, 1)
    assert set(Customer.objects.values_list("name", flat=True)) == {GOOD[0][0], GOOD[1][0]}
    assert not Customer.objects.filter(name=BAD[0]).exists()
    assert "Level: VIP" in job.report["rows"][2][3]


def test_import_is_audited_once_per_job_and_once_per_record_and_notifies(org):
    manager = org["east_manager"]
    job = run_import(actor=manager, kind="customers", data=xlsx_bytes([HEADER, *GOOD]))
    # one "import" entry for the job
    entries = AuditLog.objects.filter(action=AuditLog.Action.OTHER, object_id=str(job.pk))
    assert entries.count() == 1 and "2 created" in entries.get().message
    # one create entry per customer, with its values, actor and customer id
    created = AuditLog.objects.filter(action=AuditLog.Action.CREATE, content_type__model="customer")
    assert created.count() == 2
    first = created.get(object_repr=GOOD[0][0])
    assert first.actor == manager
    assert first.customer_id == Customer.objects.get(name=GOOD[0][0]).pk
    assert first.changes["name"] == [None, GOOD[0][0]] and first.changes["level"] == [None, "A"]
    # and the importer is told
    note = Notification.objects.get(recipient=manager, kind="import_done")
    assert note.url == f"/imports/{job.pk}/"


def test_same_idempotency_key_returns_the_existing_job(org):
    manager = org["east_manager"]
    data = xlsx_bytes([HEADER, *GOOD])
    first, created = services.import_job_create(
        actor=manager, kind="customers", file=upload(data), idempotency_key="form-123"
    )
    again, created_again = services.import_job_create(
        actor=manager, kind="customers", file=upload(data), idempotency_key="form-123"
    )
    assert created and not created_again
    assert again.pk == first.pk
    assert ImportJob.objects.count() == 1


def test_starting_twice_imports_once(org):
    manager = org["east_manager"]
    job = run_import(actor=manager, kind="customers", data=xlsx_bytes([HEADER, *GOOD]))
    assert job.status == ImportJob.Status.DONE
    # when started again (a double click, a retry)
    again = services.import_job_start(actor=manager, job_id=job.pk)
    services.import_job_execute(job_id=job.pk)
    # then nothing more happens
    assert again.status == ImportJob.Status.DONE
    assert Customer.objects.count() == 2


BAD_FILES = {
    "renamed.xlsx": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
    "empty.csv": b"",
    "header-only.xlsx": xlsx_bytes([HEADER]),
    "huge-cell.csv": csv_bytes([HEADER, ["华信", "1", "x" * 20_000]]),
    "broken.csv": "客户名称,手机\n".encode() + b"\xff\xfe\xfa,1\n",
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_malformed_files_are_refused_and_nothing_is_written(org, name):
    before = counts()
    with pytest.raises(FileRefused) as info:
        services.import_job_create(actor=org["east_manager"], kind="customers", file=upload(BAD_FILES[name], name))
    assert info.value.fields["file"]
    assert ImportJob.objects.count() == 0
    assert counts() == before


def test_without_import_permission_nothing_is_written(org):
    # given a sales rep (customers.create but not customers.import)
    before = counts()
    with pytest.raises(PermissionDeniedError):
        services.import_job_create(actor=org["east_rep"], kind="customers", file=upload(xlsx_bytes([HEADER, *GOOD])))
    assert ImportJob.objects.count() == 0
    assert counts() == before


def test_permission_is_checked_again_when_the_job_runs(org):
    # given a job uploaded by a manager who then loses the import permission
    manager = org["east_manager"]
    job, _ = services.import_job_create(actor=manager, kind="customers", file=upload(xlsx_bytes([HEADER, *GOOD])))
    services.import_job_check(actor=manager, job_id=job.pk)
    services.import_job_execute(job_id=job.pk)
    services.import_job_start(actor=manager, job_id=job.pk)
    manager.roles.set(manager.roles.model.objects.filter(code="sales_rep"))
    # when the worker runs it
    services.import_job_execute(job_id=job.pk)
    job.refresh_from_db()
    # then it fails and writes nothing
    assert job.status == ImportJob.Status.FAILED
    assert Customer.objects.count() == 0


def test_someone_elses_job_is_not_found(org):
    job, _ = services.import_job_create(
        actor=org["east_manager"], kind="customers", file=upload(xlsx_bytes([HEADER, *GOOD]))
    )
    with pytest.raises(NotFoundError):
        services.import_job_start(actor=org["west_manager"], job_id=job.pk)
    with pytest.raises(NotFoundError):
        services.import_job_check(actor=org["west_manager"], job_id=job.pk, mapping={"0": "name"})


def test_unknown_kind_and_mode_are_validation_errors(org):
    with pytest.raises(ValidationFailed) as info:
        services.import_job_create(actor=org["admin"], kind="nope", file=upload(xlsx_bytes([HEADER, *GOOD])))
    assert "kind" in info.value.fields
    with pytest.raises(ValidationFailed) as info:
        services.import_job_create(
            actor=org["admin"], kind="customers", file=upload(xlsx_bytes([HEADER, *GOOD])), mode="some"
        )
    assert "mode" in info.value.fields


def test_mapping_is_validated_and_remembered_per_user_and_kind(org):
    manager = org["east_manager"]
    data = xlsx_bytes([["公司全称", "联系电话", "杂项"], ["北京华信科技有限公司", "13812345678", "x"]])
    job, _ = services.import_job_create(actor=manager, kind="customers", file=upload(data))
    # "公司全称" is no known header: the automatic mapping cannot start without a name column
    with pytest.raises(ValidationFailed):
        services.import_job_check(actor=manager, job_id=job.pk)
    services.import_job_check(actor=manager, job_id=job.pk, mapping={"0": "name", "1": "phone", "2": ""})
    assert ImportMapping.objects.get(user=manager, kind="customers").mapping == {
        "公司全称": "name", "联系电话": "phone", "杂项": "",
    }  # fmt: skip
    # the next file with the same headers is mapped the same way
    job2, _ = services.import_job_create(actor=manager, kind="customers", file=upload(data))
    assert job2.mapping == {"0": "name", "1": "phone"}
    # a started job's mapping cannot change
    services.import_job_execute(job_id=job.pk)
    services.import_job_start(actor=manager, job_id=job.pk)
    with pytest.raises(InvalidStateError):
        services.import_job_check(actor=manager, job_id=job.pk, mapping={"0": "name"})


def test_report_has_every_row_with_result_reasons_and_original_cells(org):
    data = xlsx_bytes([HEADER, *GOOD, BAD])
    job = run_import(actor=org["east_manager"], kind="customers", data=data, mode=ImportJob.Mode.SKIP_BAD_ROWS)
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx(job)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Row", "Result", "Reasons", "Record ID")
    assert rows[0][4:] == tuple(HEADER)
    assert rows[1][0] == 2 and rows[1][1] == "Create" and rows[1][4] == GOOD[0][0]
    assert rows[3][1] == "Rejected" and "VIP" in rows[3][2] and rows[3][6] == "VIP"


def test_template_has_translated_headers_an_example_and_hints(org):
    importer = registry.importers["customers"]
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(importer)))
    sheet, hints = book.worksheets
    headers = [c.value for c in sheet[1]]
    assert headers[0] == "Name *"
    assert "Unified social credit code" in headers
    assert sheet.cell(row=2, column=1).value == "北京华信科技有限公司"
    hint_text = " ".join(str(c.value) for row in hints.iter_rows() for c in row if c.value)
    assert "A · key" in hint_text  # the accepted level values are listed


def test_a_crash_in_the_worker_ends_in_failed_not_stuck(org, monkeypatch):
    manager = org["east_manager"]
    job, _ = services.import_job_create(actor=manager, kind="customers", file=upload(xlsx_bytes([HEADER, *GOOD])))
    services.import_job_check(actor=manager, job_id=job.pk)
    services.import_job_execute(job_id=job.pk)
    services.import_job_start(actor=manager, job_id=job.pk)
    importer = registry.importers["customers"]

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "apply", boom)
    result = services.import_job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert result["status"] == job.status == ImportJob.Status.FAILED
    assert "nothing was written" in job.error
    assert Customer.objects.count() == 0
