"""Reading uploaded spreadsheets: formats, encodings, delimiters, and bad files refused with a clear reason."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.core.imports.reading import FileRefused, _read_xlsx_openpyxl, read_table
from guanxi.core.imports.testing import csv_bytes, xlsx_bytes
from guanxi.core.imports.values import cell_text, parse_date

HEADER = ["客户名称", "手机", "备注"]
ROWS = [["北京华信科技有限公司", "13812345678", "老客户"], ["上海䶮山贸易有限公司", "021-62881234", "=SUM(A1)"]]


def refused(data: bytes, **kwargs) -> str:
    with pytest.raises(FileRefused) as info:
        read_table(data, **kwargs)
    assert info.value.fields["file"]
    return info.value.message


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_gb18030_is_detected(encoding):
    # given the same rows saved in each encoding (䶮 exists in GB18030 but not in GBK)
    data = csv_bytes([HEADER, *ROWS], encoding=encoding)
    # when read without naming the encoding
    table = read_table(data, file_name="x.csv")
    # then the Chinese text comes back intact
    assert table.headers == HEADER
    assert [cells for _n, cells in table.rows] == ROWS
    assert table.encoding == ("utf-8" if encoding.startswith("utf-8") else "gb18030")


def test_csv_in_gbk_is_read_as_gb18030_and_gbk_can_be_named():
    # given a file saved by Excel in GBK
    rows = [HEADER, ["北京华信科技有限公司", "13812345678", "备注"]]
    data = csv_bytes(rows, encoding="gbk")
    # when read automatically, or with the encoding named
    auto = read_table(data)
    named = read_table(data, encoding="gbk")
    # then both give the text
    assert auto.rows[0][1][0] == named.rows[0][1][0] == "北京华信科技有限公司"


def test_the_wrong_named_encoding_is_refused_not_garbled():
    # given a GBK file that the user says is UTF-8
    data = csv_bytes([HEADER, *ROWS[:1]], encoding="gbk")
    # when read, then it is refused with the encoding named
    assert "UTF-8" in refused(data, encoding="utf-8")


def test_broken_encoding_is_refused():
    # given bytes that are neither UTF-8 nor GB18030 (0xFF never starts a character in either)
    data = "客户名称,手机\n".encode() + b"\xff\xff\xfe\x80,1\n"
    # then
    assert "encoding" in refused(data)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(delimiter):
    data = csv_bytes([HEADER, ROWS[0]], delimiter=delimiter)
    table = read_table(data)
    assert table.delimiter == delimiter
    assert table.rows[0][1] == ROWS[0]


def test_xlsx_gives_cached_formula_values_and_keeps_formula_looking_text():
    # given a workbook with a real formula (cached value 3) and text that looks like one
    data = xlsx_bytes([HEADER, ["华信", "13812345678", "=1+2"]], formulas={(1, 3): ("=1+2", 3)})
    # when read (with calamine, and with the openpyxl fallback)
    table = read_table(data)
    fallback = _read_xlsx_openpyxl(data)
    # then the formula cell gives its cached value, never evaluated; the text stays text
    cells = table.rows[0][1]
    assert cells[2] == "=1+2"
    assert cells[3] == 3
    assert fallback[1][1][2] == "=1+2" and fallback[1][1][3] == 3


def test_xlsx_dates_and_numbers():
    # given a date cell, a date typed as a bare Excel serial number, and a phone typed as a number
    data = xlsx_bytes([["名称", "日期", "序号日期", "电话"], ["华信", dt.date(2026, 3, 1), 46082, 13812345678]])
    cells = read_table(data).rows[0][1]
    # then both dates read as 2026-03-01 and the phone keeps its digits
    assert parse_date(cells[1]) == parse_date(cells[2]) == dt.date(2026, 3, 1)
    assert cell_text(cells[3]) == "13812345678"


def test_row_numbers_are_those_the_user_sees_and_blank_rows_are_skipped():
    data = xlsx_bytes([HEADER, ROWS[0], [None, None], ROWS[1]])
    table = read_table(data)
    assert [n for n, _cells in table.rows] == [2, 4]


def test_a_title_line_above_the_header_is_skipped():
    data = csv_bytes([["客户导入 2026"], HEADER, ROWS[0]])
    table = read_table(data)
    assert table.headers == HEADER
    assert table.rows[0][0] == 3


def test_renamed_pdf_is_refused():
    data = b"%PDF-1.7\n1 0 obj <<>> endobj\n" + bytes(range(256)) * 10
    assert "PDF" in refused(data, file_name="customers.xlsx")


def test_other_zip_files_and_damaged_workbooks_are_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<xml/>")
    assert "not an Excel workbook" in refused(buf.getvalue(), file_name="x.xlsx")
    assert refused(b"PK\x03\x04 truncated", file_name="x.xlsx")


def test_old_xls_and_binary_files_are_refused():
    assert ".xlsx" in refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, file_name="old.xls")
    assert refused(b"\x00\x01\x02binary\x00" * 100, file_name="x.csv")


def test_zip_bomb_is_refused(settings):
    # given a workbook-shaped zip whose sheet unpacks far beyond the limit
    settings.GUANXI_IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", "<c/>" * 1_000_000)
    # then it is refused before being unpacked
    assert "unpacks" in refused(buf.getvalue(), file_name="x.xlsx")


@pytest.mark.parametrize(
    "data,expected",
    [
        (b"", "empty"),
        (b"\xef\xbb\xbf", "empty"),
        (b"\n\n,,\n", "empty"),
        ("客户名称,手机\n".encode(), "no data rows"),
        (",,\n华信,138\n".encode(), "header"),
    ],
)
def test_empty_files_and_files_without_header_or_data_are_refused(data, expected):
    assert expected in refused(data, file_name="x.csv")


def test_too_many_rows_are_refused(settings):
    settings.GUANXI_IMPORT_MAX_ROWS = 10
    data = csv_bytes([HEADER] + [[f"客户{i}", "1", ""] for i in range(11)])
    assert "at most 10" in refused(data)
    assert "at most 10" in refused(xlsx_bytes([HEADER] + [[f"客户{i}", "1", ""] for i in range(200)]))


@pytest.mark.parametrize("length", [10_001, 200_000])
def test_huge_cells_are_refused_with_their_place(length):
    data = csv_bytes([HEADER, ["华信", "1", "x" * length]])
    message = refused(data)
    assert "Row 2" in message or "row 2" in message.lower()
    assert "10000" in message.replace(",", "")


def test_huge_cell_in_xlsx_is_refused():
    message = refused(xlsx_bytes([HEADER, ["华信", "1", "长" * 10_001]]))
    assert "C (备注)" in message


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("华信科技北京,;\"'\n 12ab=+-@"), max_size=12), min_size=1, max_size=4))
def test_csv_round_trips_any_text(cells):
    # given arbitrary text (quotes, delimiters, newlines, formula-looking values) written as CSV
    row = [c if c.strip() else "x" for c in cells]
    header = [f"列{i}" for i in range(len(row))]
    table = read_table(csv_bytes([header, row]))
    # then the cells come back as written (only trailing empty cells are trimmed)
    assert table.rows[0][1] == row
