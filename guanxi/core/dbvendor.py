"""Database-specific speed-ups behind one small interface, with a portable fallback (DESIGN.md)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet

log = logging.getLogger(__name__)


def is_postgresql(connection: Any) -> bool:
    return connection.vendor == "postgresql"


def trigram_index_create(schema_editor: Any, *, table: str, column: str, name: str) -> None:
    """On PostgreSQL, a GIN trigram index makes `LIKE '%term%'` on search text an index scan.

    Needs the pg_trgm extension; without the right to create it, searching still works (sequential scan).
    Elsewhere this does nothing.
    """
    conn = schema_editor.connection
    if not is_postgresql(conn):
        return
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cur.fetchone() is None:
            log.warning("pg_trgm is not available; %s.%s is searched without an index", table, column)
            return
        cur.execute("SAVEPOINT gx_trgm")
        try:
            cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cur.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("{column}" gin_trgm_ops)')
            cur.execute("RELEASE SAVEPOINT gx_trgm")
        except DatabaseError as exc:  # e.g. no privilege to create the extension
            cur.execute("ROLLBACK TO SAVEPOINT gx_trgm")
            log.warning("could not create trigram index %s: %s", name, exc)


def trigram_index_drop(schema_editor: Any, *, name: str) -> None:
    if is_postgresql(schema_editor.connection):
        with schema_editor.connection.cursor() as cur:
            cur.execute(f'DROP INDEX IF EXISTS "{name}"')


# --- SQLite: FTS5 trigram index for substring search ----------------------------------------------
#
# SQLite cannot answer `search_text LIKE '%term%'` from a B-tree index: every search reads the whole
# table. An external-content FTS5 table with the trigram tokenizer indexes every three-character
# substring of the column; `<fts> MATCH '"term"'` then finds the rows containing the term (three
# characters or more) from the index. Triggers keep it in step with every write that goes through
# SQLite, the ORM's and the bulk paths' raw INSERTs alike. The FTS table of column C of table T is
# always named `search_fts_name(T, C)`, so `search_filter` finds it from the queryset's model.
#
# A later migration that makes SQLite rebuild the table (Django's "remake table" for most column
# changes) drops the triggers with the old table; `search_filter` then falls back to LIKE (same
# rows, slower) and logs a warning, and running `sqlite_fts_index_create` again restores the index.

_FTS_AVAILABLE: dict[str, bool] = {}
_FTS_READY: set[tuple[str, str, str]] = set()
_FTS_WARNED: set[str] = set()
_FTS_TRIGGERS = ("ai", "ad", "au")
# Terms shorter than a trigram match nothing in the FTS table: they keep the LIKE.
_FTS_MIN_TERM = 3
# A match found in more rows than this (at least FTS_COMMON_MIN_ROWS, else 1/FTS_COMMON_DIVISOR of the
# table) is common — `有限公司`, the `138` every mobile starts with — and left to LIKE: fetching every
# match by id costs more than a scan, and a sorted page's scan stops after its first matches.
FTS_COMMON_MIN_ROWS = 1000
FTS_COMMON_DIVISOR = 20


def is_sqlite(connection: Any) -> bool:
    return connection.vendor == "sqlite"


def search_fts_name(table: str, column: str) -> str:
    """The FTS5 table that indexes `table.column` on SQLite."""
    return f"{table}_{column}_fts"


def sqlite_fts_available(connection: Any) -> bool:
    """Whether this SQLite has FTS5 with the trigram tokenizer (SQLite 3.34+ built with FTS5). Asked once."""
    if not is_sqlite(connection):
        return False
    from django.db import DatabaseError

    key = connection.alias
    if key not in _FTS_AVAILABLE:
        with connection.cursor() as cur:
            try:
                cur.execute("CREATE VIRTUAL TABLE temp.gx_fts_probe USING fts5(t, tokenize='trigram case_sensitive 0')")
                cur.execute("DROP TABLE temp.gx_fts_probe")
                _FTS_AVAILABLE[key] = True
            except DatabaseError as exc:
                log.warning("SQLite has no FTS5 trigram tokenizer (%s); search reads whole tables", exc)
                _FTS_AVAILABLE[key] = False
    return _FTS_AVAILABLE[key]


def sqlite_fts_index_create(schema_editor: Any, *, table: str, column: str, name: str) -> None:
    """On SQLite, an FTS5 trigram index of `table.column` (rowid = `table.id`) named `name`, kept in step
    by triggers and filled from the rows already there. Idempotent: running it again re-creates missing
    triggers and rebuilds the index. Elsewhere (or without FTS5 trigram support) this does nothing."""
    conn = schema_editor.connection
    if not sqlite_fts_available(conn):
        return
    q = conn.ops.quote_name
    fts, tbl, col = q(name), q(table), q(column)
    statements = [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({col}, content={tbl}, content_rowid='id', "
        "tokenize='trigram case_sensitive 0')",
        f"CREATE TRIGGER IF NOT EXISTS {q(name + '_ai')} AFTER INSERT ON {tbl} BEGIN "  # noqa: S608 (quoted names)
        f"INSERT INTO {fts}(rowid, {col}) VALUES (new.id, new.{col}); END",
        f"CREATE TRIGGER IF NOT EXISTS {q(name + '_ad')} AFTER DELETE ON {tbl} BEGIN "  # noqa: S608
        f"INSERT INTO {fts}({fts}, rowid, {col}) VALUES ('delete', old.id, old.{col}); END",
        # Only when the indexed text (or the id) changes: most updates touch other columns, and a full
        # save() rewrites the column with the same value.
        f"CREATE TRIGGER IF NOT EXISTS {q(name + '_au')} AFTER UPDATE OF id, {col} ON {tbl} "  # noqa: S608
        f"WHEN old.id IS NOT new.id OR old.{col} IS NOT new.{col} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {col}) VALUES ('delete', old.id, old.{col}); "
        f"INSERT INTO {fts}(rowid, {col}) VALUES (new.id, new.{col}); END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # noqa: S608
    ]
    with conn.cursor() as cur:
        for sql in statements:
            cur.execute(sql)
    _FTS_READY.clear()


def sqlite_fts_index_drop(schema_editor: Any, *, name: str) -> None:
    conn = schema_editor.connection
    if not is_sqlite(conn):
        return
    q = conn.ops.quote_name
    with conn.cursor() as cur:
        for suffix in _FTS_TRIGGERS:
            cur.execute(f"DROP TRIGGER IF EXISTS {q(name + '_' + suffix)}")
        cur.execute(f"DROP TABLE IF EXISTS {q(name)}")
    _FTS_READY.clear()


def _sqlite_fts_ready(connection: Any, name: str) -> bool:
    """Whether the FTS table `name` and its triggers exist. A yes is remembered per database; a no is
    asked again next time (a bulk insert may be re-creating a trigger in this very transaction). The
    question goes to the driver's connection directly, so it never shows among a request's counted
    queries."""
    key = (connection.alias, str(connection.settings_dict["NAME"]), name)
    if key in _FTS_READY:
        return True
    connection.ensure_connection()
    wanted = {name, *(f"{name}_{s}" for s in _FTS_TRIGGERS)}
    found = {
        row[0]
        for row in connection.connection.execute(
            "SELECT name FROM sqlite_master WHERE name IN (?, ?, ?, ?)", sorted(wanted)
        )
    }
    if found == wanted:
        _FTS_READY.add(key)
        return True
    if name in found and name not in _FTS_WARNED:
        _FTS_WARNED.add(name)
        log.warning("FTS table %s has lost its triggers; searching without it (re-run sqlite_fts_index_create)", name)
    return False


def _fts_match_is_common(connection: Any, model: type[Model], name: str, match: str) -> bool:
    """Whether `match` is found in more rows than the FTS path is worth (see FTS_COMMON_MIN_ROWS). The
    table's size is taken from its largest id, and counting stops just past the limit: about a
    millisecond at worst for 200,000 rows."""
    q = connection.ops.quote_name
    table, pk, fts = q(model._meta.db_table), q(model._meta.pk.column), q(name)
    size = f"(SELECT coalesce(max({pk}), 0) FROM {table})"  # noqa: S608 (quoted names)
    limit = f"max({FTS_COMMON_MIN_ROWS:d}, {size} / {FTS_COMMON_DIVISOR:d})"
    sql = f"SELECT (SELECT count(*) FROM (SELECT 1 FROM {fts} WHERE {fts} MATCH %s LIMIT {limit} + 1)) > {limit}"  # noqa: S608
    with connection.cursor() as cur:
        cur.execute(sql, [match])
        return bool(cur.fetchone()[0])


def fts_phrase(term: str) -> str:
    """`term` as one FTS5 string: every character literal (quotes doubled), so operators such as
    OR, NEAR, *, - or parentheses in what a user typed are searched for, never interpreted. (A NUL
    would end the query early: search_filter never sends one.)"""
    return '"' + term.replace('"', '""') + '"'


def search_filter(qs: QuerySet, column: str, terms: Iterable[str]) -> QuerySet:
    """`qs` narrowed to rows whose `column` contains every term (AND), as `column__contains` would.

    On SQLite with the table's FTS index, terms of three characters or more are looked up in the
    index, and the query reads only the rows it returns; the LIKE stays on as a check of those rows
    (cheap), so the answer is exactly the LIKE's even where FTS5's case folding is wider than LIKE's.
    Terms that most rows contain (see FTS_COMMON_MIN_ROWS; one quick count decides), shorter terms,
    PostgreSQL (whose trigram GIN index serves the LIKE itself) and everything else use LIKE only.
    """
    from django.db import connections
    from django.db.models.expressions import RawSQL

    terms = [t for t in terms if t]
    connection = connections[qs.db]
    if is_postgresql(connection) and any("\x00" in t for t in terms):
        return qs.none()  # PostgreSQL text never holds NUL (and refuses it as a parameter): nothing matches
    # FTS5 reads its query up to the first NUL character: such a (strange) term keeps the LIKE.
    long_terms = [t for t in terms if len(t) >= _FTS_MIN_TERM and "\x00" not in t]
    # The FTS table exists only where the migration could create it, so no separate capability probe here.
    if long_terms and is_sqlite(connection):
        name = search_fts_name(qs.model._meta.db_table, qs.model._meta.get_field(column).column)
        if _sqlite_fts_ready(connection, name):
            q = connection.ops.quote_name(name)
            match = " AND ".join(fts_phrase(t) for t in long_terms)
            if not _fts_match_is_common(connection, qs.model, name, match):
                sql = f"SELECT rowid FROM {q} WHERE {q} MATCH %s"  # noqa: S608 (a quoted table name; the terms are a parameter)
                qs = qs.filter(pk__in=RawSQL(sql, (match,)))  # noqa: S611
    for term in terms:
        qs = qs.filter(**{f"{column}__contains": term})
    return qs


_FTS_DECLARATION = re.compile(
    r'USING\s+fts5\(\s*"?(?P<column>\w+)"?\s*,\s*content\s*=\s*"?(?P<table>\w+)"?', re.IGNORECASE
)


def sqlite_fts_indexes_repair(connection: Any) -> list[str]:
    """Re-create the triggers of every search FTS table that lost them (SQLite only); returns the names repaired.

    A migration that makes SQLite rebuild an indexed table (most AlterField/RemoveField) drops its triggers;
    searching then still works through LIKE, but slowly. Running this after every migrate puts them back.
    """
    if not is_sqlite(connection) or not sqlite_fts_available(connection):
        return []
    with connection.cursor() as cur:
        cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")
        tables = cur.fetchall()
        cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {row[0] for row in cur.fetchall()}
    repaired = []
    for name, sql in tables:
        match = _FTS_DECLARATION.search(sql or "")
        if match is None or all(f"{name}_{s}" in triggers for s in _FTS_TRIGGERS):
            continue
        editor = SimpleNamespace(connection=connection)
        sqlite_fts_index_create(editor, table=match["table"], column=match["column"], name=name)
        log.warning("re-created the search triggers of %s and rebuilt it", name)
        repaired.append(name)
    return repaired


# --- bulk loading (benchmarks, `guanxi demo --customers N`) -----------------------------------------
#
# Filling millions of rows into tables nobody else is using: PostgreSQL's COPY is several times faster
# than multi-row INSERTs, and building an index once over the loaded rows is faster than maintaining
# it row by row (above all the trigram GIN indexes). SQLite keeps its multi-row INSERTs and its indexes.


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
    """Around filling `tables` in bulk. On PostgreSQL: their secondary indexes are dropped and built again at
    the end, commits do not wait for the disk, and, where the session may (superuser),
    foreign-key triggers are skipped (the bulk paths write consistent ids). Elsewhere nothing changes.
    Yields a dict that gets the index build's seconds ("index_seconds")."""
    timings: dict[str, float] = {}
    if not is_postgresql(connection):
        yield timings
        return
    import time

    superuser = bulk_session(connection)
    with connection.cursor() as cursor:
        indexes = _pg_secondary_indexes(cursor, tables)
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")
    try:
        yield timings
    finally:
        started = time.monotonic()
        with connection.cursor() as cursor:  # (a new connection if the loaders closed it)
            if superuser:
                cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for name, sql in indexes:
                if progress:
                    progress(f"  index {name}…")
                cursor.execute(sql)
            cursor.execute("RESET maintenance_work_mem")
            cursor.execute("RESET synchronous_commit")
        timings["index_seconds"] = round(time.monotonic() - started, 1)
