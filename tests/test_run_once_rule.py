"""The PostgreSQL run leaves out the tests that touch no database (conftest.py: they ran on SQLite just before). A
test that opens a database of its own on the suite's server, outside pytest-django, must say so, or it would
never run on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What a test writes to reach the suite's database server by itself.
OWN_DATABASE = ("postgres_create(", 'settings.DATABASES["default"]', "connection.settings_dict")


def test_a_test_file_that_reaches_the_suite_s_server_by_itself_is_marked_to_run_on_it():
    # given every test file
    files = [*ROOT.glob("guanxi/*/tests/test_*.py"), *ROOT.glob("tests/**/test_*.py")]
    assert len(files) > 100
    # then each that opens or reads the suite's database by itself runs through pytest-django or is marked
    unmarked = [
        str(path.relative_to(ROOT))
        for path in files
        if any(needle in (text := path.read_text(encoding="utf-8")) for needle in OWN_DATABASE)
        and "django_db" not in text
        and "suite_database" not in text
    ]
    assert not unmarked, unmarked
