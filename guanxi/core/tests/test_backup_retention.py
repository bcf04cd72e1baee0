"""The daily backup job and its retention: the newest backup of each of the last N days and M months stays."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from guanxi.core.backup.services import backup_retention_apply
from guanxi.core.models import AuditLog, Backup, PeriodicRun
from guanxi.core.scheduler import periodic_job_execute, periodic_jobs_claim_due


def _backup_at(folder: Path, when: dt.datetime, status: str = Backup.Status.DONE) -> Backup:
    path = folder / f"guanxi-backup-{when:%Y%m%d-%H%M%S}.tar"
    path.write_bytes(b"x")
    return Backup.objects.create(
        trigger=Backup.Trigger.SCHEDULE, status=status, path=str(path), created_at=when, started_at=when, size=1
    )


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_retention_keeps_the_newest_of_each_recent_day_and_month(db: Any, tmp_path: Path) -> None:
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
    assert AuditLog.objects.filter(message__startswith="backup removed by retention").count() == 5


def test_retention_of_zero_months_keeps_only_the_days(db: Any, tmp_path: Path) -> None:
    # given
    newest = _backup_at(tmp_path, utc("2026-12-05 02:00"))
    older = _backup_at(tmp_path, utc("2026-11-05 02:00"))

    # when
    backup_retention_apply(keep_daily=1, keep_monthly=0, folder=tmp_path)

    # then
    assert Path(newest.path).exists() and not Path(older.path).exists()


@pytest.mark.django_db(transaction=True)
def test_the_daily_job_backs_up_once_per_day_and_applies_retention(tmp_path: Path, settings: Any) -> None:
    # given: yesterday's and an old backup in the backup folder, keeping one day and one month
    settings.GUANXI_BACKUP_DIR = tmp_path
    settings.GUANXI_BACKUP_KEEP_DAILY = 1
    settings.GUANXI_BACKUP_KEEP_MONTHLY = 1
    old = _backup_at(tmp_path, dt.datetime.now(dt.UTC) - dt.timedelta(days=40))
    now = dt.datetime.now(dt.UTC)

    # when: two workers look for due jobs in the same day, and the one that claimed it runs it
    claimed = [c for c in periodic_jobs_claim_due(now=now) + periodic_jobs_claim_due(now=now) if c[0] == "backup"]
    assert len(claimed) == 1
    result = periodic_job_execute(job_key="backup", period=claimed[0][1])

    # then: one new archive in the folder, the old one removed, the run recorded
    new = Backup.objects.get(trigger=Backup.Trigger.SCHEDULE, status=Backup.Status.DONE)
    assert Path(new.path).parent == tmp_path and result["backup"] == new.file_name
    assert result["removed"] == [old.file_name] and not Path(old.path).exists()
    assert PeriodicRun.objects.get(job="backup").finished_at is not None
