"""Database-specific bulk loading (guanxi.core.dbvendor): COPY on PostgreSQL, indexes built once at the end."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from . import is_postgresql

# Filling millions of rows into tables nobody else is using: PostgreSQL's COPY is several times faster
# than multi-row INSERTs, and building an index once over the loaded rows is faster than maintaining
# it row by row (above all the trigram GIN indexes). SQLite keeps its multi-row INSERTs, with its indexes also
# built at the end. On both, the tables' triggers (kept counts and owners, the board's totals, SQLite's search
# tables) are dropped for the load: one recount or refill at the end is cheaper than millions of trigger calls.


def rows_insert(connection: Any, *, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Write `rows` (values in `columns` order, already adapted for the database) into `table`.

    COPY on PostgreSQL, a multi-row INSERT elsewhere. No per-row validation: for bulk paths only."""
    if not rows:
        return 0
    q = connection.ops.quote_name
    names = ", ".join(q(c) for c in columns)
    with connection.cursor() as cursor:
        if is_postgresql(connection):
            with cursor.cursor.copy(f"COPY {q(table)} ({names}) FROM STDIN") as copy:  # quoted model names only
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {q(table)} ({names}) VALUES ({marks})", rows)  # noqa: S608
    return len(rows)


def backend_cpu_seconds(connection: Any) -> float:
    """CPU seconds the PostgreSQL backend of this session has used so far, when the server runs on this machine
    (read from /proc; 0.0 where it cannot be read). For the bulk paths' own measurements."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    import os

    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _pg_secondary_indexes(cursor: Any, tables: Sequence[str]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the indexes on `tables` that back no constraint."""
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i "
        "JOIN pg_class c ON c.relname = i.indexname AND c.relkind = 'i' "
        "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid) ORDER BY i.indexname",
        [list(tables)],
    )
    return [(name, sql) for name, sql in cursor.fetchall()]


def bulk_session(connection: Any) -> bool:
    """On PostgreSQL, set this session up for bulk loading (see bulk_load); True when foreign-key triggers are
    skipped. For each process that loads."""
    if not is_postgresql(connection):
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = bool((cursor.fetchone() or [False])[0])
        cursor.execute("SET synchronous_commit = off")
        if superuser:
            cursor.execute("SET session_replication_role = replica")
    return superuser


@contextmanager
def bulk_load(connection: Any, *, tables: Sequence[str], progress: Any = None) -> Iterator[dict[str, float]]:
    """Around filling `tables` in bulk: their secondary indexes are dropped and built again at the end, their
    triggers are dropped and made again by post_migrate's handlers, which also refill what the triggers keep (as
    after a migration that rebuilt a table: _triggers_restore), commits do not wait for the disk and foreign keys
    are not checked (the bulk paths write consistent ids; on PostgreSQL where the session may: superuser).
    Yields a dict that gets the index build's seconds ("index_seconds") and the CPU seconds its PostgreSQL backends
    used ("index_backend_cpu_seconds", where the server is local)."""
    timings: dict[str, float] = {}
    if not is_postgresql(connection):
        with _sqlite_bulk_load(connection, tables=tables, progress=progress, timings=timings):
            yield timings
        return

    superuser = bulk_session(connection)
    with connection.cursor() as cursor:
        indexes = _pg_secondary_indexes(cursor, tables)
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")
        triggers = _triggers_drop(connection, cursor, tables)
    try:
        yield timings
    finally:
        started = time.monotonic()
        if superuser:
            with connection.cursor() as cursor:  # (a new connection if the loaders closed it)
                cursor.execute("SET session_replication_role = DEFAULT")
        timings["index_backend_cpu_seconds"] = round(_pg_indexes_build(indexes, progress), 1)
        _triggers_restore(connection, triggers, progress)
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
            # the planner's statistics of the new rows and of the rebuilt expression indexes at once, not whenever
            # autovacuum gets to them (never, where it is off): the search reads the token index's statistics to
            # tell a piece in most rows (有限) from a rare one (core.dbvendor.common)
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        timings["index_seconds"] = round(time.monotonic() - started, 1)


def _pg_indexes_build(indexes: Sequence[tuple[str, str]], progress: Any) -> float:
    """Run the CREATE INDEX statements in as many sessions at once as there are cores (at most 4), the GIN ones
    (the slow ones: every row's pieces or trigrams) first, each session with room to sort in memory. PostgreSQL
    builds a GIN index in one process, so separate sessions are what uses the other cores. Returns the CPU seconds
    of those sessions' backends."""
    import os
    import queue
    import threading

    from django.db import connections

    pending: queue.Queue[tuple[str, str]] = queue.Queue()
    for item in sorted(indexes, key=lambda item: (" USING gin " not in item[1], item[0])):
        pending.put(item)
    errors: list[BaseException] = []
    backend_cpu: list[float] = []

    def build() -> None:
        conn = connections.create_connection("default")  # one session per thread, closed at the end
        try:
            with conn.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '1GB'")
                while not errors:
                    try:
                        name, sql = pending.get_nowait()
                    except queue.Empty:
                        break
                    if progress:
                        progress(f"  index {name}…")
                    cursor.execute(sql)
            backend_cpu.append(backend_cpu_seconds(conn))
        except BaseException as exc:  # reported by the caller's thread
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=build) for _ in range(max(1, min(4, os.cpu_count() or 1, len(indexes))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return sum(backend_cpu)


def _triggers_drop(connection: Any, cursor: Any, tables: Sequence[str]) -> list[tuple[str, str, str, bool]]:
    """Drop the triggers of `tables` (not PostgreSQL's own, which carry foreign keys); returns each one's name,
    table, statement and whether it fired always (PostgreSQL: ENABLE ALWAYS, also under the replica role)."""
    if is_postgresql(connection):
        cursor.execute(
            "SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid), t.tgenabled = 'A' FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relname = ANY(%s) AND NOT t.tgisinternal "
            "AND c.relnamespace = current_schema()::regnamespace ORDER BY t.tgname",
            [list(tables)],
        )
    else:
        marks = ", ".join(["%s"] * len(tables))
        cursor.execute(
            f"SELECT name, tbl_name, sql, 1 FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks}) "  # noqa: S608
            "ORDER BY name",
            list(tables),
        )
    triggers = [(name, table, sql, bool(always)) for name, table, sql, always in cursor.fetchall()]
    q = connection.ops.quote_name
    for name, table, _sql, _always in triggers:
        cursor.execute(f"DROP TRIGGER IF EXISTS {q(name)}" + (f" ON {q(table)}" if is_postgresql(connection) else ""))
    return triggers


def _triggers_restore(connection: Any, triggers: Sequence[tuple[str, str, str, bool]], progress: Any) -> None:
    """After a bulk load: post_migrate's handlers make missing triggers again and recount, rebuild or refill what
    they keep (kept follow-up counts, contact owners, the board's totals, SQLite's search tables), as they do after
    a migration that rebuilt a table. A trigger no handler made again is made from its saved statement, with a
    warning: what it keeps is then not refilled."""
    import logging

    from django.core.management.sql import emit_post_migrate_signal

    if not triggers:
        return
    if progress:
        progress("  triggers and what they keep (post_migrate)…")
    emit_post_migrate_signal(0, False, connection.alias)
    with connection.cursor() as cursor:
        if is_postgresql(connection):
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
        for name, table, sql, always in triggers:
            if name in present:
                continue
            logging.getLogger(__name__).warning("bulk_load: no post_migrate handler made %s again", name)
            cursor.execute(sql)
            if always and is_postgresql(connection):
                q = connection.ops.quote_name
                cursor.execute(f"ALTER TABLE {q(table)} ENABLE ALWAYS TRIGGER {q(name)}")


@contextmanager
def _sqlite_bulk_load(
    connection: Any, *, tables: Sequence[str], progress: Any, timings: dict[str, float]
) -> Iterator[None]:
    """bulk_load on SQLite (which cannot switch a trigger off): indexes built at the end, triggers dropped for the
    load and made again (_triggers_restore), no waiting for the disk, no foreign-key checks meanwhile."""
    marks = ", ".join(["%s"] * len(tables))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608
            f"AND tbl_name IN ({marks}) ORDER BY name",
            list(tables),
        )
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")
        triggers = _triggers_drop(connection, cursor, tables)
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute("PRAGMA foreign_keys = OFF")  # as PostgreSQL's replica role
        cursor.execute("PRAGMA cache_size = -1048576")  # 1 GiB of pages: the index builds sort in memory
    try:
        yield
    finally:
        started = time.monotonic()
        with connection.cursor() as cursor:
            for name, sql in indexes:
                if progress:
                    progress(f"  index {name}…")
                cursor.execute(sql)
        _triggers_restore(connection, triggers, progress)
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous = NORMAL")  # the settings' (settings.base: init_command)
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA cache_size = -2000")  # SQLite's default
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        timings["index_seconds"] = round(time.monotonic() - started, 1)
