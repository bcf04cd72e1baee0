"""What the core registers at start-up: its own daily jobs (housekeeping, the backup with its retention, the
access-log purge) and the check that every file field has a download rule."""

from __future__ import annotations

from typing import Any

from .registry import PeriodicJob, registry


def _housekeeping() -> Any:
    from .housekeeping import housekeeping_run

    return housekeeping_run()


def _backup() -> Any:
    from .backup.services import backup_scheduled_run

    return backup_scheduled_run()


def _access_log_purge() -> Any:
    from .accesslog import access_log_purge

    return access_log_purge()


registry.add_periodic(PeriodicJob(key="housekeeping", every_minutes=24 * 60, run=_housekeeping))


def _notification_digest() -> Any:
    from .notifications import notification_digest_send

    return notification_digest_send()


registry.add_periodic(PeriodicJob(key="access_log_purge", every_minutes=24 * 60, run=_access_log_purge))
# Once a day (the period starts at 00:00 UTC, 08:00 in China): the unread notifications of users who take a digest.
registry.add_periodic(PeriodicJob(key="notification_digest", every_minutes=24 * 60, run=_notification_digest))
# Asked hourly; backs up once a day from GUANXI_BACKUP_HOUR on (see backup_scheduled_run).
registry.add_periodic(PeriodicJob(key="backup", every_minutes=60, run=_backup))

from . import files as _files  # noqa: E402,F401  (the start-up check that every file field has a kind)
from .imports import providers as _imports_providers  # noqa: E402,F401


def _register_dictionaries() -> None:
    from .dictionaries.defaults import CORE_DICTIONARIES

    registry.add_default_dictionaries(CORE_DICTIONARIES)


_register_dictionaries()


def _mailboxes_poll() -> Any:
    from .mail.poll import mailboxes_poll

    return mailboxes_poll()


# Every mailbox an app registers (the service desk's, users' own): new mail is filed within a few minutes.
registry.add_periodic(PeriodicJob(key="mailboxes_poll", every_minutes=2, run=_mailboxes_poll))
