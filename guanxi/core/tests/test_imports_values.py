"""Cell values (dates, yes/no, choices in both languages), header auto-mapping, and the fast search text."""

from __future__ import annotations

import datetime as dt

import pytest

from guanxi.core.errors import ValidationFailed
from guanxi.core.imports.mapping import auto_map, clean_mapping, mapping_to_remember
from guanxi.core.imports.values import ChoiceLookup, cell_text, parse_bool, parse_date
from guanxi.core.registry import registry
from guanxi.customers.models import Customer


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
    # given the customer level choices and the Chinese words used in spreadsheets
    lookup = ChoiceLookup(Customer.Level.choices, {"重点": "A", "普通": "B"})
    # then codes, English labels (any case, spacing) and aliases all work
    assert lookup("A") == "A"
    assert lookup("b · ordinary") == "B"
    assert lookup("重点") == "A"
    assert lookup("") == ""
    with pytest.raises(ValueError) as info:
        lookup("VIP")
    assert "A · key" in str(info.value)


def test_chinese_headers_map_automatically():
    # given a spreadsheet's own Chinese headers (with required marks and full-width brackets)
    importer = registry.importers["customers"]
    headers = ["客户名称*", "手机", "统一社会信用代码", "客户级别", "所属行业", "负责人", "无关列", "电话（备用）"]
    # when mapped
    mapping = auto_map(headers, importer)
    # then each known column lands on its field, each field once, unknown columns are left out
    assert mapping == {"0": "name", "1": "phone", "2": "credit_code", "3": "level", "4": "industry", "5": "owner"}


def test_english_headers_and_export_headers_map_automatically():
    importer = registry.importers["customers"]
    headers = ["Company Name", "E-mail", "Unified social credit code", "Next follow-up", "Phone"]
    assert auto_map(headers, importer) == {
        "0": "name", "1": "email", "2": "credit_code", "3": "next_follow_up_on", "4": "phone",
    }  # fmt: skip


def test_remembered_mapping_wins_over_the_automatic_one():
    importer = registry.importers["customers"]
    headers = ["公司", "电话", "座机"]
    remembered = {"电话": "", "座机": "phone"}
    assert auto_map(headers, importer, remembered) == {"0": "name", "2": "phone"}
    assert mapping_to_remember({"0": "name", "2": "phone"}, headers) == {"公司": "name", "电话": "", "座机": "phone"}


def test_clean_mapping_refuses_a_field_twice_and_missing_required_fields():
    importer = registry.importers["customers"]
    with pytest.raises(ValidationFailed) as info:
        clean_mapping({"0": "phone", "1": "phone"}, ["a", "b"], importer)
    assert "col_1" in info.value.fields and "mapping" in info.value.fields  # twice; and no name column
    with pytest.raises(ValidationFailed):
        clean_mapping({"7": "name"}, ["a"], importer)
    with pytest.raises(ValidationFailed):
        clean_mapping({"0": "no_such_field"}, ["a"], importer)
    assert clean_mapping({"0": "name", "1": ""}, ["a", "b"], importer) == {"0": "name"}
