"""Cell values (dates, yes/no, choices in both languages) and the fast search text. (Header auto-mapping is proved
with the customer importer in guanxi/customers/tests/test_import_mapping.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils.translation import gettext_lazy as _

from guanxi.core.imports.values import ChoiceLookup, cell_text, parse_bool, parse_date

# choices as a model declares them (code, translated label): the customer levels' own
LEVELS = [("A", _("A · key")), ("B", _("B · ordinary")), ("C", _("C · potential"))]


@pytest.mark.parametrize(
    "value",
    ["2026-03-01", "2026/3/1", "2026.03.01", "2026年3月1日", "20260301", "2026-03-01 09:30:00", 46082, 46082.0, "46082",
     dt.date(2026, 3, 1), dt.datetime(2026, 3, 1, 10, 0)],
)  # fmt: skip
def test_dates_in_every_usual_spelling(value):
    assert parse_date(value) == dt.date(2026, 3, 1)


@pytest.mark.parametrize("value", ["2026-02-30", "next week", "3/1/2026", -5, 99999999])
def test_bad_dates_say_what_is_expected(value):
    with pytest.raises(ValueError):
        parse_date(value)


def test_empty_date_is_none():
    assert parse_date("") is None and parse_date(None) is None


@pytest.mark.parametrize("value,expected", [("是", True), ("否", False), ("Y", True), ("no", False), ("√", True),
                                            ("", False), (1, True), (0.0, False), ("TRUE", True)])  # fmt: skip
def test_yes_no(value, expected):
    assert parse_bool(value) is expected


def test_yes_no_refuses_other_text():
    with pytest.raises(ValueError):
        parse_bool("maybe")


def test_cell_text_keeps_phone_digits_and_formula_looking_text():
    assert cell_text(13812345678.0) == "13812345678"
    assert cell_text(" =HYPERLINK(1) ") == "=HYPERLINK(1)"
    assert cell_text("a\x00b") == "ab"
    assert cell_text(1.5) == "1.5"


def test_choices_accept_code_and_labels_in_both_languages():
    # given choices like the customer levels and the Chinese words used in spreadsheets
    lookup = ChoiceLookup(LEVELS, {"重点": "A", "普通": "B"})
    # then codes, English labels (any case, spacing) and aliases all work
    assert lookup("A") == "A"
    assert lookup("b · ordinary") == "B"
    assert lookup("重点") == "A"
    assert lookup("") == ""
    with pytest.raises(ValueError) as info:
        lookup("VIP")
    assert "A · key" in str(info.value)
