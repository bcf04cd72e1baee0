"""The daily backup job and its retention: the newest backup of each of the last N days and M months stays."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from guanxi.core.backup.services import backup_retention_apply, backup_scheduled_run
from guanxi.core.models import AuditLog, Backup
from guanxi.core.registry import registry

# Transactional: the daily job's backup reads committed data through its own connection.
pytestmark = pytest.mark.django_db(transaction=True)


def _backup_at(folder: Path, when: dt.datetime, status: str = Backup.Status.DONE) -> Backup:
    path = folder / f"guanxi-backup-{when:%Y%m%d-%H%M%S}.tar"
    path.write_bytes(b"x")
    return Backup.objects.create(
        trigger=Backup.Trigger.SCHEDULE, status=status, path=str(path), created_at=when, started_at=when, size=1
    )


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_retention_keeps_the_newest_of_each_recent_day_and_month(tmp_path: Path) -> None:
    # given: backups on fixed dates (02:00 UTC is 10:00 in Shanghai, the installation's time zone)
    made = {
        text: _backup_at(tmp_path, utc(text))
        for text in [
            "2026-12-05 08:00",
            "2026-12-05 02:00",
            "2026-12-04 02:00",
            "2026-12-03 02:00",
            "2026-12-02 02:00",
            "2026-12-01 02:00",
            "2026-11-30 02:00",
            "2026-11-15 02:00",
            "2026-10-31 02:00",
        ]
    }
    failed = _backup_at(tmp_path, utc("2026-09-01 02:00"), status=Backup.Status.FAILED)
    elsewhere = tmp_path / "usb"
    elsewhere.mkdir()
    kept_by_hand = _backup_at(elsewhere, utc("2026-01-01 02:00"))

    # when: keeping 3 days and 2 months
    removed = backup_retention_apply(keep_daily=3, keep_monthly=2, folder=tmp_path)

    # then: the newest of 12-05, 12-04, 12-03 (days) and of December and November (months) stay
    kept = {"2026-12-05 08:00", "2026-12-04 02:00", "2026-12-03 02:00", "2026-11-30 02:00"}
    assert {b.pk for b in removed} == {b.pk for text, b in made.items() if text not in kept}
    for text, backup in made.items():
        backup.refresh_from_db()
        assert Path(backup.path).exists() == (text in kept), text
        assert backup.status == (Backup.Status.DONE if text in kept else Backup.Status.REMOVED), text
    # a failed run and an archive written to another folder (guanxi backup --to) are left alone
    assert Path(failed.path).exists() and Path(kept_by_hand.path).exists()
    assert AuditLog.objects.filter(message__startswith="Backup removed by retention").count() == 5


def test_retention_of_zero_months_keeps_only_the_days(tmp_path: Path) -> None:
    # given
    newest = _backup_at(tmp_path, utc("2026-12-05 02:00"))
    older = _backup_at(tmp_path, utc("2026-11-05 02:00"))

    # when
    backup_retention_apply(keep_daily=1, keep_monthly=0, folder=tmp_path)

    # then
    assert Path(newest.path).exists() and not Path(older.path).exists()


def test_a_backup_that_lost_its_worker_is_marked_failed_and_the_day_is_backed_up_again(
    tmp_path: Path, settings: Any, monkeypatch: Any
) -> None:
    # given: today's scheduled backup has been "running" since 02:00 (its worker was killed)
    settings.GUANXI_BACKUP_DAILY = True
    settings.GUANXI_BACKUP_HOUR = 2
    stuck = Backup.objects.create(
        trigger=Backup.Trigger.SCHEDULE, status=Backup.Status.RUNNING, started_at=utc("2026-12-04 18:00")
    )
    ran: list[dt.datetime] = []
    monkeypatch.setattr("guanxi.core.backup.services.backup_create", lambda **kw: ran.append(kw["now"]) or stuck)
    monkeypatch.setattr("guanxi.core.backup.services.backup_retention_apply", lambda: [])

    # when: the hourly job is asked at 06:30 and at 09:30 Shanghai time
    backup_scheduled_run(now=utc("2026-12-04 22:30"))
    stuck.refresh_from_db()
    status_at_six = stuck.status
    backup_scheduled_run(now=utc("2026-12-05 01:30"))

    # then: still running at 06:30 (less than six hours), failed at 09:30 and the day's backup taken again
    assert status_at_six == Backup.Status.RUNNING
    stuck.refresh_from_db()
    assert (stuck.status, stuck.error) == (Backup.Status.FAILED, "interrupted: the worker stopped")
    assert ran == [utc("2026-12-05 01:30")]


def test_the_daily_job_backs_up_once_a_day_from_the_backup_hour_and_applies_retention(
    tmp_path: Path, settings: Any
) -> None:
    # given: an installation backing up daily from 02:00 Shanghai time, keeping one day and one month, with an
    # old backup in the folder
    settings.GUANXI_BACKUP_DAILY = True
    settings.GUANXI_BACKUP_HOUR = 2
    settings.GUANXI_BACKUP_DIR = tmp_path
    settings.GUANXI_BACKUP_KEEP_DAILY = 1
    settings.GUANXI_BACKUP_KEEP_MONTHLY = 1
    old = _backup_at(tmp_path, utc("2026-10-20 18:30"))
    job = next(j for j in registry.periodic if j.key == "backup")

    # when: the hourly job is asked at 01:30, 02:30 and 03:30 on 2026-12-05 (Shanghai)
    early = backup_scheduled_run(now=utc("2026-12-04 17:30"))
    first = backup_scheduled_run(now=utc("2026-12-04 18:30"))
    again = backup_scheduled_run(now=utc("2026-12-04 19:30"))

    # then: one backup, at 02:30; the old one removed by retention; the job is asked every hour
    assert job.every_minutes == 60
    assert "skipped" in early and "skipped" in again
    new = Backup.objects.get(trigger=Backup.Trigger.SCHEDULE, status=Backup.Status.DONE)
    assert first == {"backup": new.file_name, "size": new.size, "removed": [old.file_name]}
    assert new.file_name == "guanxi-backup-20261204-183000.tar" and Path(new.path).parent == tmp_path
    assert not Path(old.path).exists()
