"""Seeding a tree dictionary creates it a level at a time with each parent linked as it is created."""

from __future__ import annotations

import pytest
from django.apps import apps

from guanxi.core.dictionaries.defaults import region_rows
from guanxi.core.dictionaries.seeding import seed
from guanxi.core.models import Dictionary, DictionaryEntry
from guanxi.core.registry import DictionaryEntrySpec, DictionarySpec

pytestmark = pytest.mark.django_db


def _parents(key: str) -> dict[str, str]:
    rows = DictionaryEntry.objects.filter(dictionary__key=key).select_related("parent")
    return {row.code: row.parent.code if row.parent else "" for row in rows}


def test_every_region_has_the_parent_its_row_names():
    # given the database as migrate seeds it, then every one of the 3,229 divisions hangs under its parent
    assert _parents("region") == {code: parent for code, parent, _zh, _en in region_rows()}


def test_a_tree_seeded_depth_first_links_every_level_and_keeps_what_exists():
    # given a tree dictionary whose root an administrator already has
    def spec(*entries: DictionaryEntrySpec) -> DictionarySpec:
        return DictionarySpec(key="test_tree", label="Test tree", entries=entries, is_tree=True)

    root = DictionaryEntrySpec(code="A", label="A", label_zh="甲")
    assert seed([spec(root)], apps=apps) == 1
    DictionaryEntry.objects.filter(code="A").update(label_zh="甲（改）")
    revision = Dictionary.objects.get(key="test_tree").revision
    # when the defaults grow three levels deep, listed depth first, with one parent that names nothing
    grown = spec(
        root,
        DictionaryEntrySpec(code="B", label="B", label_zh="乙", parent="A"),
        DictionaryEntrySpec(code="C", label="C", label_zh="丙", parent="B"),
        DictionaryEntrySpec(code="D", label="D", label_zh="丁", parent="A"),
        DictionaryEntrySpec(code="E", label="E", label_zh="戊", parent="C"),
        DictionaryEntrySpec(code="F", label="F", label_zh="己", parent="nowhere"),
    )
    assert seed([grown], apps=apps) == 5
    # then each new entry is under its parent (none for an unknown one), in the listed order after the root, the
    # root keeps its changed label, and the dictionary's revision moved once
    assert _parents("test_tree") == {"A": "", "B": "A", "C": "B", "D": "A", "E": "C", "F": ""}
    in_order = DictionaryEntry.objects.filter(dictionary__key="test_tree").order_by("order")
    assert [e.code for e in in_order] == ["A", "B", "C", "D", "E", "F"]
    assert DictionaryEntry.objects.get(code="A", dictionary__key="test_tree").label_zh == "甲（改）"
    assert Dictionary.objects.get(key="test_tree").revision == revision + 1
    # and seeding again creates nothing
    assert seed([grown], apps=apps) == 0
