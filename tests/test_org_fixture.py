"""The `org` fixture's chart (conftest.py): people that tests can tell apart by name on a page."""

from __future__ import annotations

from conftest import names_apart


def test_the_org_chart_gives_people_names_that_no_other_name_holds():
    # given random names that coincide or nest
    names = {"east_rep": "王柳", "east_rep2": "王柳明", "west_rep": "王柳", "west_manager": "李娜", "executive": "柳"}
    renamed = names_apart(names)
    # then the later of each pair is renamed, and no final name is, holds or is held in another
    assert set(renamed) == {"east_rep2", "west_rep", "executive"}
    final = [renamed.get(key, name) for key, name in names.items()]
    assert not [(a, b) for i, a in enumerate(final) for j, b in enumerate(final) if i != j and a in b]
    # and the names that clash with none are kept
    assert names_apart({"east_rep": "王柳", "west_rep": "李娜"}) == {}
