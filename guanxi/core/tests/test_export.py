"""Exports are formula-safe: no cell a spreadsheet would run."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
from hypothesis import given
from hypothesis import strategies as st

from guanxi.core.export import FORMULA_PREFIXES, safe_cell, to_csv, to_xlsx

DANGEROUS = ['=HYPERLINK("http://x","y")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_dangerous_cells_are_prefixed_in_csv():
    data = to_csv(["name"], [[v] for v in DANGEROUS])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["'" + v for v in DANGEROUS]


def test_dangerous_cells_are_text_in_xlsx():
    data = to_xlsx(["name", "amount"], [[v, Decimal("12.50")] for v in DANGEROUS])
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    # (openpyxl reads a stored carriage return back as its XML escape _x000D_)
    values = [ws.cell(row=r, column=1).value.replace("_x000D_", "\r") for r in range(2, len(DANGEROUS) + 2)]
    assert values == ["'" + v for v in DANGEROUS]
    assert all(ws.cell(row=r, column=1).data_type == "s" for r in range(2, len(DANGEROUS) + 2))
    assert ws.cell(row=2, column=2).value == 12.5  # numbers stay numbers


def test_csv_opens_in_excel_with_chinese():
    assert to_csv(["客户"], [["北京华信"]]).startswith("\ufeff".encode())


@given(st.text(max_size=40))
def test_no_exported_text_starts_a_formula(value):
    cell = safe_cell(value)
    assert not str(cell).startswith(FORMULA_PREFIXES)
