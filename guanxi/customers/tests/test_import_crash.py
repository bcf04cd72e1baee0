"""A real `guanxi worker` killed with SIGKILL in the middle of a 20,000-row customer import.

The import is all or nothing per job (one transaction), so whatever moment the worker dies nothing of it is
written; a second worker notices the lost lease within seconds (short lease settings here, under a minute by
default), marks the import failed with the reason, and running it again imports every row exactly once. The
database is a SQLite file, or a new PostgreSQL database when the suite runs on PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from guanxi.core.tests.migrated import postgres_create, sqlite_copy

ROWS = 20_000
LEASE_SECONDS = 3
CHECK_SECONDS = 0.5

SEED = f"""
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.core.files.uploadedfile import SimpleUploadedFile
from guanxi.core.imports.services import import_job_submit
from guanxi.core.imports.testing import csv_bytes
from guanxi.org.models import Role
from guanxi.org.services import roles_ensure_defaults, user_create
roles_ensure_defaults()
admin = user_create(actor=None, username="wangfang", password="Crash-test-2026", name="王芳", language="en",
                    roles=[Role.objects.get(code="administrator")])
rows = [["客户名称", "手机", "城市"]] + [
    [f"崩溃测试客户{{i:05d}}有限公司", f"138{{i:08d}}", "北京"] for i in range({ROWS})
]
job, _created = import_job_submit(actor=admin, kind="customers", file=SimpleUploadedFile("big.csv", csv_bytes(rows)),
                                  dry_run=False)
print(job.pk)
"""

RUN_AGAIN = """
import sys
import django
django.setup()
from guanxi.core.imports.services import import_job_start
from guanxi.org.models import User
job = import_job_start(actor=User.objects.get(username="wangfang"), job_id=int(sys.argv[1]))
print(job.status)
"""


class Database:
    """The test's own database, read with the plain driver (the processes under test hold Django's).

    `writing()` tells whether another connection is inside a write transaction on the customers: on
    PostgreSQL it holds the table's RowExclusiveLock until it commits; on SQLite it holds the only write lock
    (a BEGIN IMMEDIATE here fails at once)."""

    def __init__(
        self,
        url: str,
        query: Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]],
        writing: Callable[[], bool],
    ) -> None:
        self.url = url
        self.query = query
        self.writing = writing

    def one(self, sql: str, *params: Any) -> tuple[Any, ...]:
        return self.query(sql, params)[0]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """A database of the test's own, apart from the suite's test database (never flushed, so tests after this one
    keep the rows the migrations seed): a SQLite file, or a new PostgreSQL database when the suite runs on
    PostgreSQL; a copy of the run's migrated template (guanxi/core/tests/migrated.py), which the seed script's
    `migrate` finds up to date."""
    suite = settings.DATABASES["default"]
    if suite["ENGINE"] != "django.db.backends.postgresql":
        db_file = tmp_path / "crash.sqlite3"
        sqlite_copy(db_file)

        def sqlite_query(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
            with sqlite3.connect(db_file, timeout=30) as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()

        def sqlite_writing() -> bool:
            conn = sqlite3.connect(db_file, timeout=0, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError as exc:
                return "locked" in str(exc)
            finally:
                conn.close()

        yield Database(f"sqlite:///{db_file}", sqlite_query, sqlite_writing)
        return

    import psycopg

    login = {
        "host": suite.get("HOST") or "127.0.0.1",
        "port": suite.get("PORT") or 5432,
        "user": suite.get("USER") or "postgres",
        "password": suite.get("PASSWORD") or "",
    }
    server = {"dbname": f"guanxi_crash_{uuid.uuid4().hex[:12]}", **login}
    postgres_create(suite, server["dbname"])

    def pg_query(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with psycopg.connect(autocommit=True, **server) as conn:
            return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def pg_writing() -> bool:
        locks = pg_query(
            "SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'customers_customer' AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()",
            (),
        )
        return bool(locks[0][0])

    auth = f"{server['user']}:{server['password']}" if server["password"] else server["user"]
    try:
        yield Database(f"postgres://{auth}@{server['host']}:{server['port']}/{server['dbname']}", pg_query, pg_writing)
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **login) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{server["dbname"]}" WITH (FORCE)')


def _wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.mark.slow
@pytest.mark.suite_database  # a database of its own on the suite's server: runs on PostgreSQL too (conftest.py)
def test_an_import_whose_worker_is_killed_is_failed_within_seconds_and_runs_again_exactly_once(
    database: Database, tmp_path: Path
):
    # given a migrated database with a 20,000-row customer import queued, and workers with a 3-second lease
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "guanxi.settings.local",
        "GUANXI_DATABASE_URL": database.url,
        "GUANXI_VAR_DIR": str(tmp_path / "var"),
        "GUANXI_SECRET_KEY": "crash-test-not-secret",
        "GUANXI_DEBUG": "0",
        "GUANXI_LANGUAGE": "en",
        "GUANXI_WORKER_LEASE_SECONDS": str(LEASE_SECONDS),
        "GUANXI_WORKER_CHECK_SECONDS": str(CHECK_SECONDS),
    }
    python, cwd = sys.executable, settings.BASE_DIR

    def run(code: str, *args: str) -> str:
        done = subprocess.run(  # noqa: S603
            [python, "-c", code, *args], env=env, cwd=cwd, timeout=300, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout.strip().splitlines()[-1]

    job_id = int(run(SEED))
    logs: list[Path] = []

    def start_worker() -> subprocess.Popen[bytes]:
        log = tmp_path / f"worker-{len(logs) + 1}.log"
        logs.append(log)
        with log.open("wb") as out:
            return subprocess.Popen(  # noqa: S603
                [python, "-m", "guanxi.cli", "worker", "--interval", "0.2", "--schedule-every", "60"],
                env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def job() -> tuple[str, int, int, str]:
        return database.one(
            "SELECT status, processed_rows, created_count, error FROM core_importjob WHERE id = %s", job_id
        )

    def customers() -> tuple[int, int]:
        return database.one("SELECT COUNT(*), COUNT(DISTINCT name) FROM customers_customer")

    def writing() -> bool:
        """Inside the import's write transaction: every row read, and the write lock held for a while (not one
        of the few-millisecond writes of a heartbeat or the scheduler)."""
        if job()[1] < ROWS:
            return False
        for _probe in range(3):
            if not database.writing():
                return False
            time.sleep(0.1)
        return True

    workers: list[subprocess.Popen[bytes]] = []
    try:
        # when a worker, once the import shows progress and is writing the customers in its transaction, is
        # killed (SIGKILL: no clean-up of any kind)
        workers.append(start_worker())
        _wait_for(lambda: job()[1] > 0, timeout=180, what="the import to show progress")
        _wait_for(writing, timeout=180, what="the import to write")
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(timeout=10)
        # then the import is still "running" and none of its rows are there (the transaction died with the worker)
        status, processed, _created, _error = job()
        assert status == "running" and processed == ROWS and customers() == (0, 0)
        killed_at = time.monotonic()

        # and a second worker starts
        workers.append(start_worker())
        # then within seconds (lease + check) the import is failed with the reason, and nothing of it was written
        _wait_for(lambda: job()[0] == "failed", timeout=60, what="the lost import to be failed")
        noticed_after = time.monotonic() - killed_at
        status, _processed, created, error = job()
        assert "The worker stopped while running this job" in error and "nothing was written" in error
        assert created == 0
        assert customers() == (0, 0)
        assert noticed_after < 60, noticed_after  # within a minute, the new worker's start-up included
        # and the django-tasks row of the lost run says why it failed instead of "running" for ever
        [(task_status, exception)] = database.query(
            "SELECT status, exception_class_path FROM django_tasks_database_dbtaskresult "
            "WHERE task_path LIKE %s ORDER BY enqueued_at",
            ("%import_job_process",),
        )
        assert (task_status, exception) == ("FAILED", "guanxi.core.workers.WorkerLost")

        # when the user runs it again
        assert run(RUN_AGAIN, str(job_id)) == "queued"
        # then the live worker imports every row exactly once
        _wait_for(lambda: job()[0] in ("done", "failed"), timeout=240, what="the import run again to finish")
        status, processed, created, error = job()
        assert (status, processed, created, error) == ("done", ROWS, ROWS, "")
        assert customers() == (ROWS, ROWS)
        assert database.one("SELECT COUNT(DISTINCT phone) FROM customers_customer") == (ROWS,)
    finally:
        for proc in workers:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        output = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in logs)
        print(output)  # shown by pytest when the test fails
