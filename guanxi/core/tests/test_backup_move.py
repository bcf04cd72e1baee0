"""Moving an installation from SQLite to the suite's database through a backup's portable section, with the real
`guanxi` command in separate processes (as an administrator runs it).

On a PostgreSQL run (GUANXI_DATABASE_URL=postgres://…) this is the real move from SQLite to PostgreSQL; on a SQLite
run the backup is loaded into a new SQLite file from its portable section (`--portable`), the same loader.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from guanxi.core.tests.migrated import sqlite_copy

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # real processes and a full `migrate`

SEED = """
import django
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from guanxi.core.registry import registry
from guanxi.core.services import notify
for step in registry.setup_steps:  # what `guanxi run` seeds: the default roles, …
    step()
rep = get_user_model().objects.create_user(username="zhangwei", password="Move-test-2026", name="张伟",
                                           email="zhangwei@example.com", language="zh-hans")
rep.roles.set(rep.roles.model.objects.filter(code="sales_rep"))
notify(recipient=rep, kind="demo", title="客户回访提醒", body="明天 10:00", email=False)
default_storage.save("attachments/合同.pdf", ContentFile(bytes(range(256)) * 8))
"""


def _guanxi(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "guanxi.cli", *args], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip


def _env(tmp: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "guanxi.settings.local",
        "GUANXI_DATABASE_URL": database_url,
        "GUANXI_VAR_DIR": str(tmp),
        "GUANXI_SECRET_KEY": "move-test-not-secret",
        "GUANXI_LANGUAGE": "en",
    }


@pytest.fixture
def target_database_url(tmp_path: Path) -> Any:
    """A new, empty database of the suite's vendor."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'target' / 'guanxi.sqlite3'}"
        return
    name = f"{connection.settings_dict['NAME']}_move"
    with connection.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    s = connection.settings_dict
    yield f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{name}"
    with connection.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_an_installation_moves_from_sqlite_to_this_database_with_every_row_and_file(
    tmp_path: Path, target_database_url: str
) -> None:
    # given: a SQLite installation with a user, a notification and an uploaded file, backed up
    source = _env(tmp_path / "source", f"sqlite:///{tmp_path / 'source' / 'guanxi.sqlite3'}")
    sqlite_copy(tmp_path / "source" / "guanxi.sqlite3")  # the run's migrated template; the seed migrates it on
    subprocess.run([sys.executable, "-c", SEED], env=source, cwd=settings.BASE_DIR, check=True, timeout=600)  # noqa: S603
    made = _guanxi(["backup", "--to", str(tmp_path / "archives")], source)
    assert made.returncode == 0, made.stderr
    [archive] = (tmp_path / "archives").glob("guanxi-backup-*.tar")

    # when: it is restored into a new database of the suite's vendor, from the portable section
    (tmp_path / "target").mkdir()
    target = _env(tmp_path / "target", target_database_url)
    portable = [] if connection.vendor == "postgresql" else ["--portable"]
    restored = _guanxi(["restore", str(archive), *portable], target)

    # then: the restore measured every table equal to the manifest and put the file back
    assert restored.returncode == 0, restored.stderr
    out = restored.stdout
    if connection.vendor == "postgresql":
        assert "The backup came from another database vendor: its portable data section was loaded." in out
    else:
        assert "The portable data section was loaded." in out
    assert "  org_user: 1\n" in out and "  core_notification: 1\n" in out
    assert "1 files" in out and "all equal" in out
    moved = tmp_path / "target" / "media" / "attachments" / "合同.pdf"
    assert moved.read_bytes() == bytes(range(256)) * 8
