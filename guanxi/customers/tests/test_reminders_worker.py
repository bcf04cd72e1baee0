"""The customers app's task reminders through the background worker: a registered five-minute periodic job, and
the real `guanxi worker` process delivering a reminder end to end (moved from core's worker tests, which stay
on core's floor)."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from guanxi.core.models import Notification
from guanxi.core.registry import registry
from guanxi.core.scheduler import periodic_jobs_enqueue_due
from guanxi.core.tests.migrated import sqlite_copy
from guanxi.customers.tests.factories import TaskFactory


@pytest.mark.django_db
def test_task_reminders_are_a_registered_five_minute_job_that_sends_reminders():
    # given the customers app's jobs and an overdue task
    job = next(j for j in registry.periodic if j.key == "task_reminders")
    assert job.every_minutes == 5
    task = TaskFactory(title="Send quote", due_at=timezone.now() - dt.timedelta(hours=1))
    # when the scheduler runs the due jobs twice
    periodic_jobs_enqueue_due()
    periodic_jobs_enqueue_due()
    # then the reminder was sent once
    assert list(Notification.objects.filter(recipient=task.assignee).values_list("title", flat=True)) == [
        "Overdue: Send quote"
    ]


# --- the real worker process -----------------------------------------------------------------------
SEED = """
import datetime as dt
import django
django.setup()
from django.core.management import call_command
from django.utils import timezone
call_command("migrate", verbosity=0)
from guanxi.org.models import Role
from guanxi.org.services import roles_ensure_defaults, user_create
from guanxi.customers.services import task_create
roles_ensure_defaults()
rep = user_create(actor=None, username="zhangwei", password="Worker-test-2026", name="张伟",
                  email="zhangwei@example.com", language="en", roles=[Role.objects.get(code="sales_rep")])
task_create(actor=rep, data={"title": "Send the quote to 北京华信", "due_at": timezone.now() - dt.timedelta(hours=2)})
"""


def _wait_for(predicate, timeout: float, proc: subprocess.Popen) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.2)
    return predicate()


@pytest.mark.slow  # a real worker process
def test_real_worker_process_emails_an_overdue_task_reminder(smtp_server, tmp_path: Path):
    # given a migrated database file with a rep and an overdue task, and a real SMTP server
    db_file = tmp_path / "worker.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "guanxi.settings.local",
        "GUANXI_DATABASE_URL": f"sqlite:///{db_file}",
        "GUANXI_VAR_DIR": str(tmp_path / "var"),
        "GUANXI_SECRET_KEY": "worker-test-not-secret",
        "GUANXI_LANGUAGE": "en",
        "GUANXI_EMAIL_ENABLED": "1",
        "GUANXI_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "GUANXI_EMAIL_HOST": smtp_server.host,
        "GUANXI_EMAIL_PORT": str(smtp_server.port),
        "GUANXI_BASE_URL": "https://crm.example.com",
        "GUANXI_DEBUG": "0",
        "GUANXI_BACKUP_DAILY": "0",  # this test is about the reminder, not the daily backup
    }
    python = sys.executable
    cwd = settings.BASE_DIR
    sqlite_copy(db_file)  # the run's migrated template (the seed's `migrate` has nothing left to apply)
    subprocess.run([python, "-c", SEED], env=env, cwd=cwd, check=True, timeout=240)  # noqa: S603

    # when the worker process runs (checking the schedule every half second)
    log = (tmp_path / "worker.log").open("w+")
    proc = subprocess.Popen(  # noqa: S603
        [python, "-m", "guanxi.cli", "worker", "--interval", "0.2", "--schedule-every", "0.5"],
        env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        delivered = _wait_for(
            lambda: any(m["Subject"].startswith("Overdue") for m in smtp_server.messages), timeout=60, proc=proc
        )

        def emailed_rows() -> list[tuple[str, str, str | None]]:
            with sqlite3.connect(db_file, timeout=5) as conn:
                return conn.execute(
                    "SELECT n.title, n.url, n.emailed_at FROM core_notification n "
                    "JOIN org_user u ON u.id = n.recipient_id WHERE u.username = 'zhangwei'"
                ).fetchall()

        recorded = _wait_for(lambda: any(row[2] for row in emailed_rows()), timeout=20, proc=proc)
    finally:
        proc.terminate()
        try:
            exit_code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            exit_code = proc.wait()
        log.seek(0)
        output = log.read()
        log.close()

    # then the reminder arrived by e-mail, with a link to "my day"
    assert delivered, f"no e-mail within the timeout; worker output:\n{output}"
    # (the worker's other periodic jobs may write to the new rep too, e.g. the published usage league)
    [msg] = [m for m in smtp_server.messages if m["Subject"].startswith("Overdue")]
    assert msg["To"] == "zhangwei@example.com"
    assert msg["Subject"] == "Overdue: Send the quote to 北京华信"
    assert "https://crm.example.com" + reverse("customers:my_day") in msg.get_content()
    # and as an in-app notification marked as e-mailed
    assert recorded, f"notification not marked e-mailed; worker output:\n{output}"
    [(title, url, emailed_at)] = [row for row in emailed_rows() if row[0].startswith("Overdue")]
    assert title == "Overdue: Send the quote to 北京华信" and url == reverse("customers:my_day") and emailed_at
    # and the worker stopped cleanly when told to
    assert exit_code == 0, output
