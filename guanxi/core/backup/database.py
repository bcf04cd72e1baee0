"""The database part of a backup, per vendor: a consistent copy out, the whole database back in.

SQLite: the online backup API copies the live database page by page in one step, while the web and the
worker go on writing (WAL); the manifest is then read from that copy.
PostgreSQL: `pg_dump --format=custom` from a snapshot that the manifest reads too (one REPEATABLE READ
transaction exports it), so the dump and its row counts describe the same moment. Restoring runs the dump
through `psql --single-transaction` after dropping every table: it fully succeeds or changes nothing.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from django.db import connections, transaction
from django.db.utils import load_backend
from django.utils.translation import gettext as _

from .errors import BackupError

T = TypeVar("T")
SNAPSHOT_ALIAS = "guanxi_backup_snapshot"
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


def vendor(using: str = "default") -> str:
    name = connections[using].vendor
    if name not in DUMP_NAMES:
        raise BackupError(_("Backups support SQLite and PostgreSQL; this database is %(vendor)s.") % {"vendor": name})
    return name


@contextlib.contextmanager
def _extra_alias(**overrides: Any) -> Iterator[str]:
    """A second connection to a database like the default one (another file, or the same server), closed after."""
    settings_dict = {**connections["default"].settings_dict, **overrides}
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, SNAPSHOT_ALIAS)
    # Registered for this thread only (not in settings.DATABASES): the ORM finds it by its alias.
    connections[SNAPSHOT_ALIAS] = wrapper
    try:
        yield SNAPSHOT_ALIAS
    finally:
        wrapper.close()
        del connections[SNAPSHOT_ALIAS]


def snapshot(*, target: Path, read: Callable[[str], T]) -> T:
    """Write the database to `target` and call `read(alias)` on a connection that sees exactly what was written."""
    if vendor() == "sqlite":
        return _sqlite_snapshot(target=target, read=read)
    return _postgresql_snapshot(target=target, read=read)


def restore(*, source: Path) -> None:
    """Replace the whole default database with the dump at `source` (all or nothing)."""
    if vendor() == "sqlite":
        _sqlite_restore(source=source)
    else:
        _postgresql_restore(source=source)


# --- SQLite ----------------------------------------------------------------------------------
def _sqlite_snapshot(*, target: Path, read: Callable[[str], T]) -> T:
    connection = connections["default"]
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)  # pages=-1: one step, one consistent read of the whole database
    finally:
        copy.close()
    with _extra_alias(NAME=str(target), OPTIONS={}, CONN_MAX_AGE=0, TEST={}) as alias:
        return read(alias)


def sqlite_check(path: Path) -> None:
    """Refuse a file that is not a sound SQLite database before it replaces the live one."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            result = db.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(_("The database in the backup cannot be read: %(error)s") % {"error": exc}) from exc
    if not result or result[0] != "ok":
        raise BackupError(_("The database in the backup is damaged: %(error)s") % {"error": result})


def _sqlite_restore(*, source: Path) -> None:
    sqlite_check(source)
    connection = connections["default"]
    if connection.in_atomic_block:
        raise BackupError(_("A restore cannot run inside a transaction."))
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(source)) as dump:
        dump.backup(connection.connection)  # one write transaction on the live database


# --- PostgreSQL ------------------------------------------------------------------------------
def postgresql_tool(name: str, *, server_major: int | None = None) -> str:
    """The path of a PostgreSQL client tool (pg_dump, pg_restore, psql); refused when it is missing, or older than
    the server's major version (pg_dump cannot dump a newer server, nor pg_restore read its archives)."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            _(
                "%(tool)s was not found on the PATH. Install the PostgreSQL client tools (the same major version as "
                "the server) to back up or restore a PostgreSQL database."
            )
            % {"tool": name}
        )
    if server_major is None:
        return path
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout  # noqa: S603
    match = re.search(r"\) (\d+)", out) or re.search(r"(\d+)", out)
    client = int(match.group(1)) if match else 0
    if client < server_major:
        raise BackupError(
            _(
                "%(tool)s is version %(client)s but the database server runs PostgreSQL %(server)s; install the "
                "client tools of version %(server)s or newer."
            )
            % {"tool": name, "client": client, "server": server_major}
        )
    return path


def _tool_checked(name: str) -> str:
    connection = connections["default"]
    connection.ensure_connection()
    return postgresql_tool(name, server_major=int(connection.pg_version) // 10000)  # type: ignore[attr-defined]


def _libpq_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """Connection settings for the client tools, through the environment (a password never shows in `ps`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": (settings_dict.get("OPTIONS") or {}).get("sslmode"),
        "PGOPTIONS": "-c client_min_messages=warning",
    }
    env.update({k: str(v) for k, v in values.items() if v})
    return env


def _run(args: list[str], *, settings_dict: dict[str, Any], what: str) -> None:
    done = subprocess.run(args, env=_libpq_env(settings_dict), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        output = (done.stderr or done.stdout).strip()
        # The first error is the cause; notices before it (e.g. "does not exist, skipping") only hide it.
        errors = [line for line in output.splitlines() if "ERROR" in line or "FATAL" in line]
        message = (errors[0] if errors else output[-2000:])[:2000]
        raise BackupError(_("%(what)s failed: %(error)s") % {"what": what, "error": message})


def _postgresql_snapshot(*, target: Path, read: Callable[[str], T]) -> T:
    pg_dump = _tool_checked("pg_dump")
    with _extra_alias(CONN_MAX_AGE=0) as alias, transaction.atomic(using=alias):
        connection = connections[alias]
        with connection.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute("SELECT pg_export_snapshot()")
            snapshot_id = cur.fetchone()[0]
        args = [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot_id}"]
        _run([*args, f"--file={target}"], settings_dict=connection.settings_dict, what="pg_dump")
        return read(alias)


def _postgresql_restore(*, source: Path) -> None:
    pg_restore = _tool_checked("pg_restore")
    psql = postgresql_tool("psql")
    connection = connections["default"]
    if connection.in_atomic_block:
        raise BackupError(_("A restore cannot run inside a transaction."))
    settings_dict = dict(connection.settings_dict)
    script = source.with_suffix(".sql")
    _run(
        [pg_restore, "--no-owner", "--no-privileges", f"--file={script}", str(source)],
        settings_dict=settings_dict,
        what="pg_restore",
    )
    with connection.cursor() as cur:
        cur.execute(
            "SELECT format('DROP %s IF EXISTS %I.%I CASCADE;', kind, schemaname, name) FROM ("
            " SELECT 'TABLE' AS kind, schemaname, tablename AS name FROM pg_tables WHERE schemaname = current_schema()"
            " UNION ALL SELECT 'VIEW', schemaname, viewname FROM pg_views WHERE schemaname = current_schema()"
            " UNION ALL SELECT 'SEQUENCE', schemaname, sequencename FROM pg_sequences"
            " WHERE schemaname = current_schema()) AS objects"
            # Views first, then tables (their identity sequences go with them), then any sequence left.
            " ORDER BY position(kind IN 'VIEW TABLE SEQUENCE'), name"
        )
        drops = [row[0] for row in cur.fetchall()]
        # The schema's own functions (e.g. the search index's tokeniser) are in the dump too; an extension's are not.
        cur.execute(
            "SELECT format('DROP FUNCTION IF EXISTS %I.%I(%s) CASCADE;', n.nspname, p.proname,"
            " pg_get_function_identity_arguments(p.oid))"
            " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = current_schema() AND NOT EXISTS ("
            " SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')"
            " ORDER BY p.proname"
        )
        drops += [row[0] for row in cur.fetchall()]
    connection.close()  # no lock of ours may stand in the way of the drops
    args = [psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction"]
    if drops:
        args.append("--command=" + "\n".join(drops))
    _run([*args, f"--file={script}"], settings_dict=settings_dict, what="psql")
    script.unlink(missing_ok=True)
