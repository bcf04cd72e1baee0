"""Reading an uploaded spreadsheet into a header and rows, refusing bad files cleanly.

The format is decided by the content, not the file name: a ZIP that holds `xl/workbook.xml` is an
XLSX workbook (read with python-calamine when installed, else openpyxl in read-only mode; formula
cells give their cached value, nothing is ever evaluated); readable text is CSV (UTF-8 with or
without BOM, UTF-16 with BOM, else GB18030, which covers GBK; the user may name the encoding); the
delimiter is sniffed. Everything else (a PDF renamed .xlsx, an old .xls, a ZIP bomb, an empty file,
a file without header or data, too many rows, a huge cell, undecodable text) raises `FileRefused`,
a ValidationFailed on the "file" field with a translated message, before anything is written.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.errors import ValidationFailed

from .values import cell_text

ENCODINGS = {
    "": gettext_lazy("Detect automatically"),
    "utf-8": "UTF-8",
    "gbk": "GBK",
    "gb18030": "GB18030",
    "utf-16": "UTF-16",
}
DELIMITERS = (",", "\t", ";", "|")
# A sheet's XML compresses about 10:1; a ZIP bomb a thousand times better.
MAX_COMPRESSION_RATIO = 200


def max_rows() -> int:
    return int(getattr(settings, "GUANXI_IMPORT_MAX_ROWS", 200_000))


def max_cell_chars() -> int:
    return int(getattr(settings, "GUANXI_IMPORT_MAX_CELL_CHARS", 10_000))


def max_file_bytes() -> int:
    return int(getattr(settings, "GUANXI_IMPORT_MAX_BYTES", 50 * 1024 * 1024))


def max_unpacked_bytes() -> int:
    return int(getattr(settings, "GUANXI_IMPORT_MAX_UNPACKED_BYTES", 800 * 1024 * 1024))


class FileRefused(ValidationFailed):
    def __init__(self, message: str):
        super().__init__(message, fields={"file": [message]})


@dataclass
class Table:
    """The header row and the data rows of the first sheet; row numbers are as the user sees them."""

    headers: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)
    format: str = "xlsx"
    encoding: str = ""
    delimiter: str = ""

    @property
    def header_row(self) -> int:
        return self.rows[0][0] - 1 if self.rows else 1


def read_table(data: bytes, *, file_name: str = "", encoding: str = "") -> Table:
    """The table in an uploaded file, or FileRefused with the reason."""
    if not data:
        raise FileRefused(_("The file is empty."))
    if len(data) > max_file_bytes():
        raise FileRefused(
            _("The file is larger than %(mb)s MB. Split it into smaller files.") % {"mb": max_file_bytes() // 2**20}
        )
    if encoding and encoding not in ENCODINGS:
        raise FileRefused(_("Unknown encoding %(name)s.") % {"name": encoding[:20]})
    head = data[:8]
    if head.startswith(b"PK\x03\x04"):
        rows = _read_xlsx(data)
        return _table(rows, fmt="xlsx")
    if head.startswith(b"%PDF"):
        raise FileRefused(_("This is a PDF document, not a spreadsheet. Upload an .xlsx or .csv file."))
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            _(
                "This is an old Excel 97-2003 (.xls) file or a password-protected workbook. "
                "Open it in Excel or WPS and save it as .xlsx without a password."
            )
        )
    if head.startswith((b"PK", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")):
        raise FileRefused(_("This is a compressed archive, not a spreadsheet. Upload an .xlsx or .csv file."))
    text, used = _decode(data, encoding)
    delimiter = _sniff_delimiter(text)
    rows = _read_csv(text, delimiter)
    table = _table(rows, fmt="csv")
    table.encoding = used
    table.delimiter = delimiter
    return table


# --- XLSX ------------------------------------------------------------------------------------
def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileRefused(_("The file is damaged: it is not a readable .xlsx workbook."))
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        raise FileRefused(_("This ZIP file is not an Excel workbook. Upload an .xlsx or .csv file."))
    unpacked = sum(m.file_size for m in members)
    bomb = any(m.compress_size and m.file_size / m.compress_size > MAX_COMPRESSION_RATIO for m in members)
    if unpacked > max_unpacked_bytes() or (bomb and unpacked > 50 * 2**20):
        raise FileRefused(_("This workbook unpacks to far more data than a spreadsheet holds; it was not read."))


def _read_xlsx(data: bytes) -> list[tuple[int, list[Any]]]:
    _check_zip(data)
    try:
        import python_calamine  # noqa: F401
    except ImportError:  # the openpyxl fallback is slower but reads the same cells
        return _read_xlsx_openpyxl(data)
    return _read_xlsx_calamine(data)


def _read_xlsx_calamine(data: bytes) -> list[tuple[int, list[Any]]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        visible = [m.name for m in book.sheets_metadata if str(m.visible).lower().endswith("visible")]
        sheet = book.get_sheet_by_name(visible[0]) if visible else book.get_sheet_by_index(0)
        if sheet.height > max_rows() + 50:
            _too_many_rows(sheet.height - 1)
        cells = sheet.to_python(skip_empty_area=False)
    except FileRefused:
        raise
    except (CalamineError, ValueError, OverflowError):  # damaged or encrypted parts, cells beyond Python's types
        raise FileRefused(_("The workbook could not be read; it may be damaged or password-protected."))
    return [(i, list(row)) for i, row in enumerate(cells, start=1)]


def _read_xlsx_openpyxl(data: bytes) -> list[tuple[int, list[Any]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = next((ws for ws in book.worksheets if ws.sheet_state == "visible"), book.worksheets[0])
        rows: list[tuple[int, list[Any]]] = []
        limit = max_rows() + 50
        for i, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            rows.append((i, list(row)))
            if i > limit:
                _too_many_rows(i)
        book.close()
    except FileRefused:
        raise
    # What openpyxl meets in a damaged part surfaces as is: a missing part (KeyError), broken XML (a
    # SyntaxError), a broken zip member, or a value of the wrong shape.
    except (
        InvalidFileException,
        KeyError,
        IndexError,
        ValueError,
        TypeError,
        SyntaxError,
        zipfile.BadZipFile,
        OSError,
    ):
        raise FileRefused(_("The workbook could not be read; it may be damaged or password-protected."))
    return rows


# --- CSV -------------------------------------------------------------------------------------
def _decode(data: bytes, encoding: str) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and encoding in ("", "utf-16"):
        candidates = ["utf-16"]
    elif encoding:
        candidates = ["utf-8-sig" if encoding == "utf-8" else encoding]
    else:
        candidates = ["utf-8-sig", "gb18030"]
    for name in candidates:
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        if "\x00" in text[:4096]:
            raise FileRefused(_("This is not a spreadsheet or text file. Upload an .xlsx or .csv file."))
        return text, "utf-8" if name == "utf-8-sig" else name
    if encoding:
        raise FileRefused(
            _("The file is not valid %(encoding)s text. Choose another encoding or save it as UTF-8.")
            % {"encoding": ENCODINGS.get(encoding, encoding)}
        )
    raise FileRefused(
        _(
            "The file's text encoding could not be recognised (tried UTF-8 and GBK/GB18030). "
            "Save it as UTF-8 CSV or .xlsx."
        )
    )


def _sniff_delimiter(text: str) -> str:
    """The delimiter used most on the first line (outside quotes); a comma when none is used."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts: dict[str, int] = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in first:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(text: str, delimiter: str) -> list[tuple[int, list[Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[Any]]] = []
    line = 0
    limit = max_rows() + 50
    try:
        for record in reader:
            line = reader.line_num
            rows.append((len(rows) + 1, record))
            if len(rows) > limit:
                _too_many_rows(len(rows))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise FileRefused(
                _("Row %(row)s has a cell longer than %(max)s characters; nothing was imported.")
                % {"row": len(rows) + 1, "max": max_cell_chars()}
            )
        raise FileRefused(_("Line %(line)s could not be read: %(error)s") % {"line": line + 1, "error": exc})
    return rows


# --- both ------------------------------------------------------------------------------------
def _too_many_rows(count: int) -> None:
    raise FileRefused(
        _("The file has %(count)s rows; at most %(max)s can be imported at once. Split it into smaller files.")
        % {"count": count, "max": max_rows()}
    )


def _blank(row: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _trim(row: list[Any]) -> list[Any]:
    end = len(row)
    while end and (row[end - 1] is None or (isinstance(row[end - 1], str) and not row[end - 1].strip())):
        end -= 1
    return row[:end]


def _table(raw: list[tuple[int, list[Any]]], *, fmt: str) -> Table:
    limit = max_cell_chars()
    rows = [(n, _trim(r)) for n, r in raw if not _blank(r)]
    if not rows:
        raise FileRefused(_("The file is empty: it has no header row and no data."))
    # A one-cell title line above the real header ("客户导入", a date…) is skipped.
    filled = [sum(1 for v in cells if cell_text(v)) for _n, cells in rows[:2]]
    if len(filled) == 2 and filled[0] == 1 and filled[1] > 1:
        rows = rows[1:]
    _header_no, header_cells = rows[0]
    headers = [cell_text(v)[:200] for v in header_cells]
    if not any(headers):
        raise FileRefused(_("The file has no header row: the first row must name the columns."))
    data = rows[1:]
    if not data:
        raise FileRefused(_("The file has a header row but no data rows."))
    if len(data) > max_rows():
        _too_many_rows(len(data))
    width = len(headers)
    for number, cells in data:
        if max(map(_length, cells), default=0) <= limit:
            width = max(width, len(cells))
            continue
        for col, value in enumerate(cells):
            if isinstance(value, str) and len(value) > limit:
                raise FileRefused(
                    _(
                        "Row %(row)s, column %(column)s has %(length)s characters; a cell may have at most %(max)s. "
                        "Nothing was imported."
                    )
                    % {"row": number, "column": _column_name(col, headers), "length": len(value), "max": limit}
                )
        if len(cells) > width:
            width = len(cells)
    if width > len(headers):
        headers += [""] * (width - len(headers))
    return Table(headers=headers, rows=data, format=fmt)


def _length(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _column_name(index: int, headers: list[str]) -> str:
    header = headers[index] if index < len(headers) else ""
    return f"{column_letter(index)} ({header})" if header else column_letter(index)
