"""The spreadsheets the import engine hands out: an importer's template and a job's row-by-row report."""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _

from guanxi.core.export import safe_cell, to_xlsx
from guanxi.core.models import ImportJob

from .base import Action, Importer
from .reading import max_rows, read_table
from .values import cell_text

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_xlsx(importer: Importer) -> bytes:
    """Headers in the active language (required ones marked *), one example row, and a sheet of hints.

    Every column is formatted as text so that Excel keeps leading zeros and long numbers (phones,
    credit codes) as typed.
    """
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    head = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    required = book.add_format({"bold": True, "bg_color": "#FCE8E8", "border": 1})
    text = book.add_format({"num_format": "@"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet = book.add_worksheet(str(importer.label)[:31])
    for col, f in enumerate(importer.columns()):
        label = f"{f.label} *" if f.required else str(f.label)
        sheet.write_string(0, col, label, required if f.required else head)
        sheet.write_string(1, col, str(safe_cell(str(f.example))) if f.example else "", text)
        sheet.set_column(col, col, max(12, min(40, len(label) * 2 + 2)), text)
    sheet.freeze_panes(1, 0)
    hints = book.add_worksheet(_("Instructions")[:31])
    hints.set_column(0, 0, 24)
    hints.set_column(1, 1, 10)
    hints.set_column(2, 2, 90)
    hints.write_row(0, 0, [_("Column"), _("Required"), _("What to enter")], head)
    for r, f in enumerate(importer.columns(), start=1):
        hints.write_string(r, 0, str(f.label))
        hints.write_string(r, 1, _("yes") if f.required else "")
        hints.write_string(r, 2, str(safe_cell(importer.column_hint(f))), wrap)
    notes = [
        _("Keep the first row (the column names) and replace the example row with your data."),
        _("Columns may be in any order; unknown columns can be ignored when you map the columns."),
        _("At most %(max)s rows per file; cells of at most 10,000 characters; formulas are read as their value.")
        % {"max": f"{max_rows():,}"},
        _("Dates as yyyy-mm-dd (2026-03-01), yyyy/m/d or Excel dates. CSV files may be UTF-8 or GBK."),
    ]
    start = len(importer.columns()) + 2
    for i, note in enumerate(notes):
        hints.write_string(start + i, 0, note)
    book.close()
    return buf.getvalue()


def report_xlsx(job: ImportJob) -> bytes:
    """Every row of the file with its result and reasons, beside the original cells, so that the
    rejected rows can be fixed and imported again."""
    rows = job.report.get("rows") or []
    with job.file.open("rb") as fh:
        table = read_table(fh.read(), file_name=job.file_name, encoding=job.encoding)
    cells_by_row = {number: cells for number, cells in table.rows}
    headers = [_("Row"), _("Result"), _("Reasons"), _("Record ID"), *[h or "" for h in table.headers]]
    width = len(table.headers)
    labels = {k: str(v) for k, v in Action.LABELS.items()}

    def lines() -> Any:
        for number, action, _label, reasons, target in rows:
            cells = cells_by_row.get(number, [])
            original = [cell_text(v) for v in (list(cells) + [None] * width)[:width]]
            yield [number, labels.get(action, action), reasons, target or "", *original]

    return to_xlsx(headers, lines(), sheet=str(_("Import report")))
