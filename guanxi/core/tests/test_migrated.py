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


def test_the_template_key_follows_what_migrations_and_seeding_import_and_not_a_view(tmp_path: Path, monkeypatch):
    # given an app whose migration imports a helper (which imports another by a relative import), a module declaring
    # seeded dictionaries, and a view that nothing of these imports
    app = tmp_path / "guanxi" / "shop"
    (app / "migrations").mkdir(parents=True)
    (tmp_path / "guanxi" / "__init__.py").write_text("")
    (app / "__init__.py").write_text("")
    (app / "migrations" / "0001_initial.py").write_text("from guanxi.shop.fill import fill\n")
    (app / "fill.py").write_text("from .units import UNITS\n\ndef fill():\n    return UNITS\n")
    (app / "units.py").write_text("UNITS = ['kg']\n")
    (app / "dictionaries.py").write_text("SHOP = DefaultDictionaries(app='shop', dictionaries=())\n")
    (app / "views.py").write_text("def page(request):\n    return 1\n")
    monkeypatch.setattr(migrated, "ROOT", tmp_path)

    def key_after(path: Path, text: str) -> str:
        path.write_text(text)
        migrated.template_key.cache_clear()
        return migrated.template_key()

    try:
        before = key_after(app / "views.py", "def page(request):\n    return 1\n")
        # an edit to the view keeps the template
        assert key_after(app / "views.py", "def page(request):\n    return 2\n") == before
        # an edit to what the migration imports, two imports away, builds a new one
        changed = key_after(app / "units.py", "UNITS = ['kg', 'g']\n")
        assert changed != before
        # so does an edit to a seeding declaration
        assert (
            key_after(app / "dictionaries.py", "SHOP = DefaultDictionaries(app='shop', dictionaries=(1,))\n") != changed
        )
    finally:
        migrated.template_key.cache_clear()
