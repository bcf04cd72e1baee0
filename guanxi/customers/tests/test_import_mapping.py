"""The customer importer's columns: spreadsheet headers (Chinese, English, export headers) map onto its fields
through core's mapping (guanxi/core/imports/mapping.py), and a mapping is checked before an import runs."""

from __future__ import annotations

import pytest

from guanxi.core.errors import ValidationFailed
from guanxi.core.imports.mapping import auto_map, clean_mapping, mapping_to_remember
from guanxi.core.registry import registry

# The importer's columns include the custom fields defined for customers, which are read from the database (these
# tests passed only after another test on the same worker had read them).
pytestmark = pytest.mark.django_db


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
