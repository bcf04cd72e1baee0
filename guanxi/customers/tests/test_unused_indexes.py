"""The unused indexes of the customers table are gone on PostgreSQL, and come back as Django makes them on the way
back (guanxi/core/dbvendor/indexes.py, customers migration 0019); here, as core sits below customers."""

from __future__ import annotations

import pytest
from django.db import connection

from guanxi.core.dbvendor.indexes import unused_indexes_drop, unused_indexes_restore
from guanxi.customers.models import Customer

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's LIKE twins and FK indexes"),
]

UNUSED = {
    "like_twins": ["industry", "province", "source", "level", "status", "review_status"],
    "covered": ["owner", "department"],
}


def _definitions() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'customers_customer'")
        return [row[0] for row in cursor.fetchall()]


def _single_column(definitions: list[str], column: str) -> list[str]:
    return [d for d in definitions if d.endswith(f"btree ({column})")]


def test_a_migrated_database_has_no_like_twin_and_no_index_the_composites_cover():
    definitions = _definitions()
    assert not [d for d in definitions if "varchar_pattern_ops" in d]
    assert not _single_column(definitions, "owner_id") and not _single_column(definitions, "department_id")
    # what serves the owner and department lookups, and the equality on a code, is still there
    assert any("(owner_id, deleted_at, updated_at DESC)" in d for d in definitions)
    assert any("(department_id, deleted_at)" in d for d in definitions)
    assert _single_column(definitions, "level") and _single_column(definitions, "status")


def test_the_way_back_makes_them_as_django_does_and_dropping_again_leaves_none():
    with connection.schema_editor(atomic=False) as editor:  # inside the test's transaction: rolled back after
        unused_indexes_restore(editor, Customer, **UNUSED)
        restored = _definitions()
        assert len([d for d in restored if "varchar_pattern_ops" in d]) == 6
        assert _single_column(restored, "owner_id") and _single_column(restored, "department_id")
        unused_indexes_drop(editor, Customer, **UNUSED)
    assert sorted(_definitions()) == sorted(
        d
        for d in restored
        if "varchar_pattern_ops" not in d
        and not (d.endswith("btree (owner_id)") or d.endswith("btree (department_id)"))
    )
