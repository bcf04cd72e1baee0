"""Helpers for importer tests: build spreadsheets in memory and run an import job to its end in-process."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from guanxi.core.models import ImportJob


def xlsx_bytes(
    rows: Sequence[Sequence[Any]], *, formulas: dict[tuple[int, int], tuple[str, Any]] | None = None
) -> bytes:
    """A workbook whose first sheet holds `rows`; `formulas` puts (formula, cached value) at (row, col)."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False})
    sheet = book.add_worksheet("Sheet1")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, value, date_format)
            else:
                sheet.write(r, c, value)
    for (r, c), (formula, cached) in (formulas or {}).items():
        sheet.write_formula(r, c, formula, None, cached)
    book.close()
    return buf.getvalue()


def csv_bytes(rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode(encoding)


def upload(data: bytes, name: str = "customers.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def run_import(
    *,
    actor: Any,
    kind: str,
    data: bytes,
    name: str = "import.xlsx",
    mode: str = ImportJob.Mode.ALL_OR_NOTHING,
    mapping: dict[str, str] | None = None,
    encoding: str = "",
    dry_run: bool = False,
) -> ImportJob:
    """Upload, check and (unless dry_run) import, running the background task in-process."""
    from .services import import_job_check, import_job_create, import_job_execute, import_job_start

    job, _created = import_job_create(
        actor=actor, kind=kind, file=upload(data, name), mode=mode, encoding=encoding, mapping=mapping
    )
    import_job_check(actor=actor, job_id=job.pk)
    import_job_execute(job_id=job.pk)
    job.refresh_from_db()
    if dry_run or job.status != ImportJob.Status.CHECKED:
        return job
    import_job_start(actor=actor, job_id=job.pk)
    import_job_execute(job_id=job.pk)
    job.refresh_from_db()
    return job
