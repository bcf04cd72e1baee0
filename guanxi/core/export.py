"""Spreadsheet export, formula-safe: a cell starting with = + - @ tab or CR is prefixed with '
so Excel/WPS shows it as text instead of running it (CSV injection)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise a value that a spreadsheet would treat as a formula. Numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def local_time(value: dt.datetime | None) -> dt.datetime | None:
    """A stored (UTC) time as the reader's local wall-clock time, for a spreadsheet cell."""
    from django.utils import timezone

    return timezone.localtime(value).replace(tzinfo=None) if value else None


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with BOM so Excel opens Chinese text correctly."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str = "Sheet1") -> bytes:
    return to_xlsx_book([(sheet, headers, rows)])


def to_xlsx_book(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """One workbook of several sheets, each (name, headers, rows), written like `to_xlsx`."""
    buf = io.BytesIO()
    # strings_to_formulas=False: xlsxwriter must never turn text into a formula.
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True, "bg_color": "#EEF2F7"})
    for name, headers, rows in sheets:
        _sheet_write(book.add_worksheet(name[:31]), bold, headers, rows)
    book.close()
    return buf.getvalue()


def _sheet_write(ws: Any, bold: Any, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    ws.write_row(0, 0, [str(h) for h in headers], bold)
    widths = [max(8, min(40, len(str(h)) * 2)) for h in headers]
    for r, row in enumerate(rows, start=1):
        values = [safe_cell(v) for v in row]
        for c, v in enumerate(values):
            if isinstance(v, str):
                ws.write_string(r, c, v)
            else:
                ws.write(r, c, v)
            widths[c] = max(widths[c], min(40, len(str(v)) + 2))
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.freeze_panes(1, 0)
