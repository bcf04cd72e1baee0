"""Backup and restore of the whole system (`guanxi backup` / `guanxi restore`), on the database the suite runs on.

Run with GUANXI_DATABASE_URL=postgres://… for PostgreSQL (pg_dump/psql), without it for SQLite (online backup API).
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from guanxi.core.backup import archive, database
from guanxi.core.backup.errors import BackupError
from guanxi.core.backup.manifest import canonical_value, storage_names, table_digests
from guanxi.core.backup.services import backup_create, backup_restore
from guanxi.core.models import AuditLog, Backup, ImportJob
from guanxi.core.services import notify

pytestmark = pytest.mark.django_db(transaction=True)


def _files() -> dict[str, bytes]:
    out = {}
    for name in storage_names(default_storage):
        with default_storage.open(name, "rb") as fh:
            out[name] = fh.read()
    return out


def _wipe() -> None:
    call_command("flush", interactive=False, verbosity=0)
    for name in storage_names(default_storage):
        default_storage.delete(name)


@pytest.fixture
def company(org: Any) -> Any:
    """Users, departments and roles (org chart), notifications, an uploaded import file and binary attachments."""
    admin = org["admin"]
    notify(recipient=org["east_rep"], kind="demo", title="客户回访提醒", body="明天 10:00 回访\n第二行", email=False)
    ImportJob.objects.create(
        user=admin, kind="customers", file_name="客户.xlsx", file=ContentFile(b"PK\x03\x04 fake xlsx", name="客户.xlsx")
    )
    default_storage.save("attachments/2026/合同扫描件.pdf", ContentFile(bytes(range(256)) * 40))
    default_storage.save("attachments/empty.txt", ContentFile(b""))
    return org


def test_backup_wipe_restore_gives_back_every_table_and_file(company: Any, tmp_path: Path) -> None:
    # given: a company's data and files, measured, then backed up from the command line
    tables_before = table_digests()
    files_before = _files()
    out = io.StringIO()
    call_command("guanxi_backup", "--to", str(tmp_path), stdout=out)
    archive_path = next(tmp_path.glob("guanxi-backup-*.tar"))
    assert str(archive_path) in out.getvalue()
    tables_before = {t: d for t, d in tables_before.items() if t not in {"core_backup", "core_auditlog"}}

    # when: everything is wiped and the backup restored
    _wipe()
    assert table_digests()["org_user"]["rows"] == 0
    out = io.StringIO()
    call_command("guanxi_restore", str(archive_path), stdout=out)

    # then: every table holds the same rows with the same content, every file is byte-identical
    tables_after = table_digests()
    for table, digest in tables_before.items():
        assert tables_after[table] == digest, table
    assert _files() == files_before
    assert f"{len(files_before)} files" in out.getvalue()
    assert "org_user: 11" in out.getvalue()
    # the backup's own ledger row says it is done, and the restore is in the audit trail
    assert Backup.objects.get(path=str(archive_path)).status == Backup.Status.DONE
    assert AuditLog.objects.filter(action=AuditLog.Action.RESTORE, message__contains=archive_path.name).exists()


def test_the_portable_section_restores_the_same_tables(company: Any, tmp_path: Path) -> None:
    # given: a backup (its portable section is what a move to the other database vendor loads)
    backup = backup_create(to_dir=tmp_path)
    expected = archive_manifest(Path(backup.path))["tables"]

    # when: the database is wiped and restored from the portable section instead of the vendor's copy
    _wipe()
    report = backup_restore(path=Path(backup.path), portable=True)

    # then: the loaded database measures exactly as the manifest says, table by table
    assert report.portable
    assert report.tables == expected
    # (only the ledger and the audit trail change afterwards: the restore settles and records itself)
    after = table_digests()
    assert [t for t in expected if after[t] != expected[t]] == ["core_auditlog", "core_backup"]


def archive_manifest(path: Path) -> dict[str, Any]:
    with archive.opened_archive(path) as opened:
        return opened.manifest


def _flip_byte(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "not a backup"])
def test_a_damaged_backup_is_refused_and_changes_nothing(company: Any, tmp_path: Path, damage: str) -> None:
    # given: a backup file that was damaged after it was written
    backup = backup_create(to_dir=tmp_path)
    path = Path(backup.path)
    if damage == "flipped byte":
        _flip_byte(path, path.stat().st_size // 2)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # a copy that stopped half-way
    else:
        path.write_bytes(b"just some text, no tar at all" * 100)
    before, files_before = table_digests(), _files()

    # when: restoring it, even with --force
    with pytest.raises(CommandError) as refused:
        call_command("guanxi_restore", str(path), "--force")

    # then: a clear error, and the database and the files are exactly as they were
    assert "damaged" in str(refused.value)
    assert "Nothing was changed" in str(refused.value)
    assert table_digests() == before
    assert _files() == files_before


def test_a_part_that_does_not_match_the_manifest_is_refused(company: Any, tmp_path: Path) -> None:
    # given: a backup whose payload was rebuilt with one uploaded file changed and its outer checksum recomputed
    backup = backup_create(to_dir=tmp_path)
    rebuilt = tmp_path / "rebuilt.tar"
    _rebuild_with_changed_file(Path(backup.path), rebuilt)
    before = table_digests()

    # when / then: the restore refuses it before touching anything
    with pytest.raises(BackupError, match="does not match its checksum"):
        backup_restore(path=rebuilt, force=True)
    assert table_digests() == before


def _rebuild_with_changed_file(source: Path, target: Path) -> None:
    import hashlib

    with tarfile.open(source) as outer:
        payload = outer.extractfile(archive.PAYLOAD).read()  # type: ignore[union-attr]
    changed = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as old,
        tarfile.open(fileobj=changed, mode="w:gz") as new,
    ):
        for member in old:
            data = old.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.endswith("empty.txt"):
                data = b"tampered"
                member.size = len(data)
            new.addfile(member, io.BytesIO(data))
    body = changed.getvalue()
    with tarfile.open(target, "w") as outer:
        for name, data in (
            (archive.PAYLOAD, body),
            (archive.PAYLOAD_SHA, f"{hashlib.sha256(body).hexdigest()}  {archive.PAYLOAD}\n".encode()),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            outer.addfile(info, io.BytesIO(data))


def test_a_database_with_data_is_not_replaced_without_force(company: Any, tmp_path: Path) -> None:
    # given: a backup, and a database that has changed since (someone kept working)
    backup = backup_create(to_dir=tmp_path)
    notify(recipient=company["east_rep"], kind="demo", title="新的提醒", email=False)
    before = table_digests()

    # when: restoring without --force
    with pytest.raises(CommandError, match="--force"):
        call_command("guanxi_restore", backup.path)

    # then: nothing was replaced
    assert table_digests() == before


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    # when / then
    with pytest.raises(CommandError, match="There is no backup file"):
        call_command("guanxi_restore", str(tmp_path / "nope.tar"), "--force")


def test_values_are_measured_the_same_way_on_every_database() -> None:
    # given: values as SQLite and PostgreSQL hand them back for the same data
    import datetime as dt
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    shanghai = dt.datetime(2026, 12, 5, 10, 0, 0, 123456, tzinfo=ZoneInfo("Asia/Shanghai"))
    utc = dt.datetime(2026, 12, 5, 2, 0, 0, 123456, tzinfo=dt.UTC)

    # then: one canonical form each
    assert canonical_value(shanghai) == canonical_value(utc)
    assert canonical_value(Decimal("70905.20")) == canonical_value(Decimal("70905.2")) == "70905.2"
    assert canonical_value(Decimal("0.00")) == "0"
    assert canonical_value(Decimal("100")) == "100"
    assert canonical_value({"b": 1, "a": [1, 2]}) == canonical_value({"a": [1, 2], "b": 1})
    assert canonical_value(memoryview(b"\x00\xff")) == canonical_value(b"\x00\xff") == "00ff"


def test_missing_or_old_postgresql_client_tools_are_a_clear_error(tmp_path: Path, monkeypatch: Any) -> None:
    # given: a PATH without pg_dump, then one whose pg_dump is PostgreSQL 13
    monkeypatch.setenv("PATH", str(tmp_path))

    # then: missing
    with pytest.raises(BackupError, match="pg_dump was not found on the PATH"):
        database.postgresql_tool("pg_dump", server_major=15)

    # when: an old pg_dump appears
    fake = tmp_path / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.11'\n")
    fake.chmod(0o755)

    # then: refused against a PostgreSQL 15 server, accepted against 13
    with pytest.raises(BackupError, match="pg_dump is version 13 but the database server runs PostgreSQL 15"):
        database.postgresql_tool("pg_dump", server_major=15)
    assert database.postgresql_tool("pg_dump", server_major=13) == str(fake)
