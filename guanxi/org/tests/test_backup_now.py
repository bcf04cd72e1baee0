"""Back up now, for real: the administrator's click queues a backup that the worker (run at once in tests) writes.

Transactional (the backup reads committed data through its own connection), so it lives apart from the page tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.core.models import AuditLog, Backup

pytestmark = pytest.mark.django_db(transaction=True)


def test_back_up_now_queues_a_backup_that_the_worker_writes(org: Any, tmp_path: Path, settings: Any) -> None:
    # given: an administrator on the backups page (tests run queued jobs at once, as the worker would)
    settings.GUANXI_BACKUP_DIR = tmp_path
    web = Client()
    web.force_login(org["admin"])

    # when
    r = web.post(reverse("org:backup_create"))

    # then: back on the list, where the backup is done and its archive is in the backup folder
    assert r.status_code == 302 and r["Location"] == reverse("org:backup_list")
    backup = Backup.objects.get()
    assert (backup.trigger, backup.status, backup.requested_by) == (
        Backup.Trigger.PAGE,
        Backup.Status.DONE,
        org["admin"],
    )
    assert Path(backup.path).parent == tmp_path and Path(backup.path).stat().st_size == backup.size
    assert AuditLog.objects.filter(object_id=str(backup.pk), actor=org["admin"], message_id="Backup requested").exists()
    assert backup.file_name in web.get(reverse("org:backup_list")).content.decode()
