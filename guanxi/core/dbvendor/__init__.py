"""Database-specific speed-ups behind one small interface, with a portable fallback (DESIGN.md)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from contextvars import ContextVar
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError

from ..search import SEARCH_TEXT_MAX

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet

log = logging.getLogger(__name__)

# The answers of _fts_match_is_common within one shared_search_probes() block (dbvendor.probes), by
# (connection alias, FTS table, match, divisor); None outside such a block.
SHARED_PROBES: ContextVar[dict[tuple[str, str, str, int], bool] | None] = ContextVar("gx_search_probes", default=None)


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
# The token table's limit is wider: a list page (API or web) counts its matches, and counting by id beats a
# LIKE scan up to about a fifth of the table (measured at 20k customers / 39k contacts, CPU time: page + count
# for 3-5% of the rows 6-11 ms by id against 27-44 ms by LIKE; even at 21% (customers, 科) 21.7 against 21.0).
TOKEN_COMMON_DIVISOR = 5


def is_sqlite(connection: Any) -> bool:
    return connection.vendor == "sqlite"


def search_fts_name(table: str, column: str) -> str:
    """The FTS5 table that indexes `table.column` on SQLite."""
    return f"{table}_{column}_fts"


def sqlite_fts_available(connection: Any) -> bool:
    """Whether this SQLite has FTS5 with the trigram tokenizer (SQLite 3.34+ built with FTS5). Asked once."""
    if not is_sqlite(connection):
        return False
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


def _fts_match_is_common(
    connection: Any, model: type[Model], name: str, match: str, divisor: int | None = None
) -> bool:
    """Whether `match` is found in more rows than the FTS path is worth (see FTS_COMMON_MIN_ROWS). The
    table's size is taken from its largest id, and counting stops just past the limit: about a
    millisecond at worst for 200,000 rows. Inside `shared_search_probes` an answer already given (or
    asked ahead by `search_probes_prefetch`, several in one query) is not asked again."""
    shared = SHARED_PROBES.get()
    key = (connection.alias, name, match, divisor or FTS_COMMON_DIVISOR)
    if shared is not None and key in shared:
        return shared[key]
    with connection.cursor() as cur:
        cur.execute(f"SELECT {common_probe_sql(connection, model, name, divisor)}", [match])
        common = bool(cur.fetchone()[0])
    if shared is not None:
        shared[key] = common
    return common


def common_probe_sql(connection: Any, model: type[Model], name: str, divisor: int | None = None) -> str:
    """The SQL expression (one parameter: the match) telling whether a match is common in FTS table `name`."""
    q = connection.ops.quote_name
    table, pk, fts = q(model._meta.db_table), q(model._meta.pk.column), q(name)
    size = f"(SELECT coalesce(max({pk}), 0) FROM {table})"  # noqa: S608 (quoted names)
    limit = f"max({FTS_COMMON_MIN_ROWS:d}, {size} / {divisor or FTS_COMMON_DIVISOR:d})"
    return f"(SELECT count(*) FROM (SELECT 1 FROM {fts} WHERE {fts} MATCH %s LIMIT {limit} + 1)) > {limit}"  # noqa: S608


def fts_phrase(term: str) -> str:
    """`term` as one FTS5 string: every character literal (quotes doubled), so operators such as
    OR, NEAR, *, - or parentheses in what a user typed are searched for, never interpreted. (A NUL
    would end the query early: search_filter never sends one.)"""
    return '"' + term.replace('"', '""') + '"'


# --- Short terms: an index of every one- and two-character piece of the text ---------------------
#
# A trigram index cannot answer a term of one or two characters — a surname (王), a two-character
# brand or given name (恒信) — yet those are what Chinese users type most. Beside it each search column
# gets a token index of its short pieces, kept in step like the trigram one:
#
# - SQLite: a contentless FTS5 table (detail=none: row ids only) whose document for a row is, for every
#   position, the two characters starting there (the last one alone), hex-encoded so that the
#   tokenizer keeps every piece — punctuation, spaces, any script — whole. A two-character term is
#   one exact token; a one-character term is a prefix query (UTF-8 is prefix-free, so a token starting
#   with the character's bytes starts with that character), served by FTS5 prefix indexes. Triggers
#   compute the pieces in SQL (`lower` folds ASCII only, like SQLite's LIKE), so every writer, raw
#   INSERTs included, keeps the index right; positions come from a small table of integers, which
#   bounds the indexed length to SEARCH_TEXT_MAX (build_search_text never writes longer text).
# - PostgreSQL: an expression GIN index over `gx_search_tokens(column)`, an immutable function giving
#   the one- and two-character pieces as text[] (see below); `@>` finds the rows containing all
#   the wanted pieces, as a condition of the query itself (common.TokensContain: each row fetched once, no join
#   back by id), a piece common enough for the planner to walk rows instead being left to the LIKE. The array operator
#   class's answer for `@>` is exact, so a heap page the bitmap holds exactly is not rechecked (a
#   call-counting test at 300,000 rows: no call for a piece in 23,628 of them); but a bitmap larger
#   than work_mem turns lossy, and every row of a lossy page is rechecked by running the function
#   (with work_mem at 64 kB, 148,587 calls and 5.4 s instead of 20 ms) — one more reason a piece in
#   many rows is left to the LIKE (.common decides by the estimated number of matches). Terms of
#   three characters or more keep pg_trgm, except those with no run of three letters or digits
#   (pg_trgm sees no trigram there): their two-character pieces are asked instead.
#
# Either way the LIKE stays on as the final check, so the rows are exactly the LIKE's.

_POSITIONS = "gx_search_position"
_TOKEN_REGISTRY = "gx_search_token_index"
_TOKENS_READY: dict[str, bool] = {}
# pg_trgm extracts trigrams from runs of letters and digits; a term without such a run of three is
# answered from its two-character pieces instead.
_TRIGRAM_RUN = re.compile(r"[^\W_]{3}")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def search_token_name(table: str, column: str) -> str:
    """The token index of `table.column`: an FTS5 table on SQLite, a GIN index on PostgreSQL."""
    return f"{table}_{column}_tok"


def _sqlite_pieces_sql(value: str) -> str:
    """SQL giving the token document of `value` (a column reference such as `new."search_text"`)."""
    return (
        f"(SELECT group_concat(hex(lower(substr({value}, n, 2))), ' ') FROM {_POSITIONS} "  # noqa: S608 (quoted names)
        f"WHERE n <= length({value}))"
    )


def _sqlite_token_match(term: str) -> str:
    piece = term.translate(_ASCII_LOWER).encode("utf-8").hex()
    return f'"{piece}"*' if len(term) == 1 else f'"{piece}"'


# The pieces without a space of `t`: its characters, and the pairs at odd and at even positions, cut out by a space
# after every pair and split on spaces (a pair holding a space falls apart into single characters, already there, and
# empty strings, removed). Built-in C functions only: ten times faster than the generate_series/array_agg(DISTINCT)
# version before it, for the same set (core/tests/test_search_tokens_pg.py). A piece may repeat; GIN stores it once.
_PG_TOKENS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION gx_search_tokens(t text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    RETURN array_remove(string_to_array(t, NULL), ' ')
        || array_remove(string_to_array(regexp_replace(t, '(..)', '\1 ', 'g'), ' '), '')
        || array_remove(string_to_array(regexp_replace(substr(t, 2), '(..)', '\1 ', 'g'), ' '), '');
END
$$
"""


def search_tokens_function_replace(schema_editor: Any) -> None:
    """The current gx_search_tokens where one exists; the same pieces, so the indexes over it need no rebuild."""
    conn = schema_editor.connection
    if not is_postgresql(conn):
        return
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_proc WHERE proname = 'gx_search_tokens'")
        if cur.fetchone():
            cur.execute(_PG_TOKENS_FUNCTION)


def search_token_index_create(schema_editor: Any, *, table: str, column: str) -> None:
    """The short-term index of `table.column` (see above), filled from the rows already there. Idempotent."""
    conn = schema_editor.connection
    q = conn.ops.quote_name
    name, tbl, col = search_token_name(table, column), q(table), q(column)
    if is_postgresql(conn):
        with conn.cursor() as cur:
            cur.execute(_PG_TOKENS_FUNCTION)
            cur.execute(f"CREATE INDEX IF NOT EXISTS {q(name)} ON {tbl} USING gin (gx_search_tokens({col}))")
        _TOKENS_READY.clear()
        return
    if not sqlite_fts_available(conn):
        return
    fts = q(name)
    new, old = _sqlite_pieces_sql(f"new.{col}"), _sqlite_pieces_sql(f"old.{col}")
    statements = [
        f"CREATE TABLE IF NOT EXISTS {_POSITIONS} (n INTEGER PRIMARY KEY)",
        f"INSERT OR IGNORE INTO {_POSITIONS}(n) WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL "  # noqa: S608
        f"SELECT n + 1 FROM k WHERE n < {SEARCH_TEXT_MAX:d}) SELECT n FROM k",
        f"CREATE TABLE IF NOT EXISTS {_TOKEN_REGISTRY} (name TEXT PRIMARY KEY, tbl TEXT NOT NULL, col TEXT NOT NULL)",
        f"INSERT OR REPLACE INTO {_TOKEN_REGISTRY} VALUES (%s, %s, %s)",  # noqa: S608
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(pieces, content='', detail=none, "
        "tokenize='unicode61 remove_diacritics 0', prefix='2 4 6 8')",
        f"CREATE TRIGGER IF NOT EXISTS {q(name + '_ai')} AFTER INSERT ON {tbl} BEGIN "  # noqa: S608
        f"INSERT INTO {fts}(rowid, pieces) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER IF NOT EXISTS {q(name + '_ad')} AFTER DELETE ON {tbl} BEGIN "  # noqa: S608
        f"INSERT INTO {fts}({fts}, rowid, pieces) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER IF NOT EXISTS {q(name + '_au')} AFTER UPDATE OF id, {col} ON {tbl} "  # noqa: S608
        f"WHEN old.id IS NOT new.id OR old.{col} IS NOT new.{col} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, pieces) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts}(rowid, pieces) VALUES (new.id, {new}); END",
        # A contentless table cannot 'rebuild': empty it and index every row again.
        f"INSERT INTO {fts}({fts}) VALUES ('delete-all')",  # noqa: S608
        f"INSERT INTO {fts}(rowid, pieces) SELECT id, {_sqlite_pieces_sql(col)} FROM {tbl}",  # noqa: S608
    ]
    with conn.cursor() as cur:
        for sql in statements:
            cur.execute(sql, [name, table, column] if "%s" in sql else None)
    _FTS_READY.clear()


def search_token_index_drop(schema_editor: Any, *, table: str, column: str) -> None:
    conn = schema_editor.connection
    q = conn.ops.quote_name
    name = search_token_name(table, column)
    with conn.cursor() as cur:
        if is_postgresql(conn):
            cur.execute(f"DROP INDEX IF EXISTS {q(name)}")
            # The last index gone, the function goes too (while another index uses it, PostgreSQL refuses).
            cur.execute("SAVEPOINT gx_tokens")
            try:
                cur.execute("DROP FUNCTION IF EXISTS gx_search_tokens(text)")
                cur.execute("RELEASE SAVEPOINT gx_tokens")
            except DatabaseError:
                cur.execute("ROLLBACK TO SAVEPOINT gx_tokens")
        elif is_sqlite(conn):
            for suffix in _FTS_TRIGGERS:
                cur.execute(f"DROP TRIGGER IF EXISTS {q(name + '_' + suffix)}")
            cur.execute(f"DROP TABLE IF EXISTS {q(name)}")
            cur.execute(f"SELECT 1 FROM sqlite_master WHERE name = '{_TOKEN_REGISTRY}'")  # noqa: S608
            if cur.fetchone():
                cur.execute(f"DELETE FROM {_TOKEN_REGISTRY} WHERE name = %s", [name])  # noqa: S608
                cur.execute(f"SELECT count(*) FROM {_TOKEN_REGISTRY}")  # noqa: S608
                if not cur.fetchone()[0]:  # the last one gone: the database is as before the first
                    cur.execute(f"DROP TABLE {_TOKEN_REGISTRY}")
                    cur.execute(f"DROP TABLE IF EXISTS {_POSITIONS}")
    _FTS_READY.clear()
    _TOKENS_READY.clear()


def search_index_create(schema_editor: Any, *, table: str, column: str) -> None:
    """Everything that makes `search_filter(qs, column, terms)` fast on `table.column`, on either database:
    the trigram index (PostgreSQL: pg_trgm GIN; SQLite: FTS5 trigram table) and the short-term token index.
    A new searchable model's migration calls this (and search_index_drop backwards); see docs/extending.md."""
    trigram_index_create(schema_editor, table=table, column=column, name=f"{table}_{column}_trgm")
    sqlite_fts_index_create(schema_editor, table=table, column=column, name=search_fts_name(table, column))
    search_token_index_create(schema_editor, table=table, column=column)


def search_index_drop(schema_editor: Any, *, table: str, column: str) -> None:
    search_token_index_drop(schema_editor, table=table, column=column)
    sqlite_fts_index_drop(schema_editor, name=search_fts_name(table, column))
    trigram_index_drop(schema_editor, name=f"{table}_{column}_trgm")


def _pg_tokens_ready(connection: Any) -> bool:
    """Whether gx_search_tokens exists (a database migrated before it has none). Asked once per database."""
    key = f"{connection.alias}:{connection.settings_dict['NAME']}"
    if key not in _TOKENS_READY:
        with connection.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_proc WHERE proname = 'gx_search_tokens'")
            _TOKENS_READY[key] = cur.fetchone() is not None
    return _TOKENS_READY[key]


def _pg_pieces(terms: list[str]) -> list[str]:
    """The pieces gx_search_tokens must hold for a row to contain every term: the short terms themselves,
    and the two-character pieces of longer terms pg_trgm cannot index."""
    pieces: set[str] = set()
    for term in terms:
        if len(term) <= 2:
            pieces.add(term)
        elif not _TRIGRAM_RUN.search(term):
            pieces.update(term[i : i + 2] for i in range(len(term) - 1))
    return sorted(p for p in pieces if " " not in p)


def search_filter(qs: QuerySet, column: str, terms: Iterable[str]) -> QuerySet:
    """`qs` narrowed to rows whose `column` contains every term (AND), as `column__contains` would.

    The column's indexes (search_index_create) answer which rows may match, and the query reads only
    those: on SQLite the FTS5 trigram table for terms of three characters or more and the token table
    for shorter ones; on PostgreSQL pg_trgm serves the LIKE itself and gx_search_tokens the short
    terms. The LIKE stays on as a check of the rows found (cheap), so the answer is exactly the LIKE's
    even where an index's notion of a match is wider. A match most rows contain is left to LIKE: a sorted
    page's scan stops after its first matches, where fetching every match by id would cost more (SQLite:
    see FTS_COMMON_MIN_ROWS, one quick count decides; PostgreSQL: the token index's statistics, .common).
    """
    from django.db import connections

    from .common import PG_PER_ROW_SCOPE_MAX, TokensContain, pg_common_pieces, pg_estimated_matches
    from .ids import ids_checked_per_row, is_split, scoped_by_ids

    terms = [t for t in terms if t]
    if qs.query.is_empty():
        return qs  # nothing to narrow (a module the user may not see): no index is asked
    connection = connections[qs.db]
    per_row = False
    if is_postgresql(connection):
        if any("\x00" in t for t in terms):
            return qs.none()  # PostgreSQL text never holds NUL (and refuses it as a parameter): nothing matches
        col = str(qs.model._meta.get_field(column).column)
        # a scope of many ids (a rep's contacts) tested on each of the term's few matches (dbvendor.ids)
        per_row = bool(terms) and scoped_by_ids(qs)
        per_row = per_row and pg_estimated_matches(connection, qs.model, col, terms) <= PG_PER_ROW_SCOPE_MAX
        pieces = _pg_pieces(terms)
        if pieces and _pg_tokens_ready(connection):
            # a piece in many rows is left to the LIKE (.common: never gx_search_tokens row by row)
            common = pg_common_pieces(connection, qs.model, col, pieces, own_rows=is_split(qs))
            pieces = sorted(set(pieces) - common)
            if pieces:  # the rows from the GIN index, each checked by the LIKE below
                qs = qs.filter(TokensContain(column, pieces))
    elif is_sqlite(connection):
        for name, match in sqlite_matches(qs.model, column, terms):
            qs = _sqlite_fts_filter(qs, name, match)
    for term in terms:
        qs = qs.filter(**{f"{column}__contains": term})
    return ids_checked_per_row(qs) if per_row else qs


def sqlite_matches(model: type[Model], column: str, terms: Iterable[str]) -> list[tuple[str, str]]:
    """The (FTS table, MATCH) pairs search_filter asks on SQLite for `terms` in `model.column`: the trigram
    table for terms of three characters or more, the token table for shorter ones."""
    # FTS5 reads its query up to the first NUL character: such a (strange) term keeps the LIKE.
    usable = [t for t in terms if t and "\x00" not in t]
    long_terms = [t for t in usable if len(t) >= _FTS_MIN_TERM]
    short_terms = [t for t in usable if len(t) < _FTS_MIN_TERM]
    field: Any = model._meta.get_field(column)
    table, col = model._meta.db_table, str(field.column)
    pairs: list[tuple[str, str]] = []
    if long_terms:
        pairs.append((search_fts_name(table, col), " AND ".join(fts_phrase(t) for t in long_terms)))
    if short_terms:
        pairs.append((search_token_name(table, col), " AND ".join(_sqlite_token_match(t) for t in short_terms)))
    return pairs


def common_divisor(name: str) -> int:
    return TOKEN_COMMON_DIVISOR if name.endswith("_tok") else FTS_COMMON_DIVISOR


def _sqlite_fts_filter(qs: QuerySet, name: str, match: str) -> QuerySet:
    """`qs` narrowed to the row ids FTS table `name` gives for `match`, unless the table is not ready (no
    index: the LIKE alone answers) or the match is common."""
    from django.db import connections
    from django.db.models.expressions import RawSQL

    connection = connections[qs.db]
    # The FTS table exists only where the migration could create it, so no separate capability probe here.
    divisor = common_divisor(name)
    if not _sqlite_fts_ready(connection, name) or _fts_match_is_common(connection, qs.model, name, match, divisor):
        return qs
    q = connection.ops.quote_name(name)
    sql = f"SELECT rowid FROM {q} WHERE {q} MATCH %s"  # noqa: S608 (a quoted table name; the terms are a parameter)
    return qs.filter(pk__in=RawSQL(sql, (match,)))  # noqa: S611


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
        log.info("re-created the search triggers of %s (a migration rebuilt its table) and rebuilt it", name)
        repaired.append(name)
    if _sqlite_has_table(connection, _TOKEN_REGISTRY):
        with connection.cursor() as cur:
            cur.execute(f"SELECT name, tbl, col FROM {_TOKEN_REGISTRY}")  # noqa: S608 (a constant name)
            registered = cur.fetchall()
        for name, table, column in registered:
            if all(f"{name}_{s}" in triggers for s in _FTS_TRIGGERS):
                continue
            search_token_index_create(SimpleNamespace(connection=connection), table=table, column=column)
            log.info("re-created the search triggers of %s (a migration rebuilt its table) and rebuilt it", name)
            repaired.append(name)
    return repaired


# --- bulk loading (benchmarks, `guanxi demo --customers N`) -----------------------------------------
#
def _sqlite_has_table(connection: Any, name: str) -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [name])
        return cur.fetchone() is not None


# The bulk loading of large tables (COPY, indexes built once at the end) lives in .bulk, and the expression indexes
# (custom fields a list filters on) in .expressions, under the same names.
from .bulk import bulk_load as bulk_load  # noqa: E402
from .bulk import bulk_session as bulk_session  # noqa: E402
from .bulk import rows_insert as rows_insert  # noqa: E402
from .expressions import JsonKeyText as JsonKeyText  # noqa: E402
from .expressions import expression_index_create as expression_index_create  # noqa: E402
from .expressions import expression_index_drop as expression_index_drop  # noqa: E402
from .expressions import expression_index_exists as expression_index_exists  # noqa: E402
from .expressions import expression_index_name as expression_index_name  # noqa: E402
