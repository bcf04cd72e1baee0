"""The migrated template the suite copies instead of migrating each new database (guanxi/core/tests/migrated.py)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from guanxi.core.tests import migrated


def _every_migration() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def test_a_copy_of_the_template_has_every_migration_applied_and_the_seeded_rows(tmp_path: Path):
    # when the template is copied into a new file
    target = tmp_path / "copy.sqlite3"
    migrated.sqlite_copy(target)
    # then every migration on disk is recorded as applied, and what the migrations seed is there
    with sqlite3.connect(target) as conn:
        applied = set(conn.execute("SELECT app, name FROM django_migrations").fetchall())
        pipelines = conn.execute("SELECT COUNT(*) FROM sales_pipeline").fetchone()[0]
    conn.close()
    assert _every_migration() <= applied
    assert pipelines >= 1


@pytest.mark.django_db
def test_the_suite_s_test_database_starts_from_the_template_with_nothing_left_to_migrate():
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    if os.environ.get("GUANXI_TEST_TEMPLATE") == "off":
        return
    if connection.vendor == "postgresql":
        assert connection.settings_dict["TEST"]["TEMPLATE"] == migrated.postgres_template(connection.settings_dict)
    else:  # the in-memory test database was filled from the template file
        assert migrated._in_memory


def test_the_template_key_changes_with_a_migration_but_not_with_a_test(tmp_path: Path, monkeypatch):
    # given a code tree with a migration and a test
    (tmp_path / "guanxi" / "shop" / "migrations").mkdir(parents=True)
    (tmp_path / "guanxi" / "shop" / "tests").mkdir()
    migration = tmp_path / "guanxi" / "shop" / "migrations" / "0001_initial.py"
    migration.write_text("operations = []\n")
    test = tmp_path / "guanxi" / "shop" / "tests" / "test_shop.py"
    test.write_text("def test_it(): pass\n")
    monkeypatch.setattr(migrated, "ROOT", tmp_path)
    migrated.template_key.cache_clear()
    try:
        before = migrated.template_key()
        # when a test changes, the key stays
        test.write_text("def test_it(): assert True\n")
        migrated.template_key.cache_clear()
        assert migrated.template_key() == before
        # when the migration changes, the key changes
        migration.write_text("operations = ['changed']\n")
        migrated.template_key.cache_clear()
        assert migrated.template_key() != before
    finally:
        migrated.template_key.cache_clear()
