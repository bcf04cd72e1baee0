"""The backups page (Organisation → Backups): administrators list, start and download backups; nobody else can."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.core.models import AuditLog, Backup


@pytest.fixture
def backup_file(tmp_path: Path, settings: Any) -> Backup:
    """A finished backup whose archive lies in the backup folder."""
    settings.GUANXI_BACKUP_DIR = tmp_path
    path = tmp_path / "guanxi-backup-20261205-020000.tar"
    path.write_bytes(b"archive bytes " * 10_000)
    return Backup.objects.create(
        trigger=Backup.Trigger.SCHEDULE,
        status=Backup.Status.DONE,
        path=str(path),
        size=path.stat().st_size,
        summary={"database": "sqlite", "tables": 90, "rows": 1234, "files": 5, "file_bytes": 99},
    )


def test_an_administrator_sees_each_backup_with_size_and_status(admin_web: Client, backup_file: Backup) -> None:
    # when
    r = admin_web.get(reverse("org:backup_list"))

    # then: the backup, its size and contents, the way to back up now, and that restoring is a command
    assert r.status_code == 200
    page = r.content.decode()
    assert "guanxi-backup-20261205-020000.tar" in page
    assert "136.7" in page and "KB" in page  # 140,000 bytes
    assert "90 tables, 1234 rows, 5 files" in page
    assert reverse("org:backup_download", args=[backup_file.pk]) in page
    assert reverse("org:backup_create") in page
    assert "guanxi restore FILE" in page


def test_an_administrator_downloads_a_backup_streamed_and_audited(
    admin_web: Client, org: Any, backup_file: Backup
) -> None:
    # when
    r = admin_web.get(reverse("org:backup_download", args=[backup_file.pk]))

    # then: the archive's bytes, as an attachment, streamed; the audit trail names who took it
    assert r.status_code == 200
    assert r.streaming
    assert b"".join(r.streaming_content) == Path(backup_file.path).read_bytes()
    assert "guanxi-backup-20261205-020000.tar" in r["Content-Disposition"]
    entry = AuditLog.objects.get(action=AuditLog.Action.EXPORT, object_id=str(backup_file.pk))
    assert entry.actor == org["admin"]


def test_a_backup_removed_by_retention_cannot_be_downloaded(admin_web: Client, backup_file: Backup) -> None:
    # given: retention removed the archive
    Path(backup_file.path).unlink()
    Backup.objects.filter(pk=backup_file.pk).update(status=Backup.Status.REMOVED)

    # when / then
    assert admin_web.get(reverse("org:backup_download", args=[backup_file.pk])).status_code == 404


@pytest.mark.parametrize("who", ["east_rep", "east_manager", "executive", "agent_rep", "nobody"])
def test_anyone_but_an_administrator_gets_403_and_changes_nothing(org: Any, backup_file: Backup, who: str) -> None:
    # given
    web = Client()
    web.force_login(org[who])
    audit_before = AuditLog.objects.count()

    # when: they open the page, ask for a backup and try to download one
    listed = web.get(reverse("org:backup_list"))
    started = web.post(reverse("org:backup_create"))
    downloaded = web.get(reverse("org:backup_download", args=[backup_file.pk]))

    # then: refused each time; no backup queued, nothing downloaded, nothing in the audit trail
    assert (listed.status_code, started.status_code, downloaded.status_code) == (403, 403, 403)
    assert b"archive bytes" not in downloaded.content
    assert list(Backup.objects.values_list("pk", flat=True)) == [backup_file.pk]
    assert AuditLog.objects.count() == audit_before


def test_back_up_now_twice_queues_one_backup(admin_web: Client, org: Any) -> None:
    # given: a backup already queued for the worker
    Backup.objects.create(trigger=Backup.Trigger.PAGE, requested_by=org["admin"])

    # when: the administrator clicks again
    r = admin_web.post(reverse("org:backup_create"), follow=True)

    # then: told to wait; still one backup
    assert "A backup is already queued or running" in r.content.decode()
    assert Backup.objects.count() == 1
