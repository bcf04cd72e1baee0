"""Whether a search term is common — in a large share of a table's rows — on either database, so that a search for it
reads the rows in the page's order and stops after the first page, instead of fetching every match from an index.

Why it matters on PostgreSQL: the token index (`gx_search_tokens(search_text)`, see the package) answers a rare piece
(恒信) from a few GIN entries, but a piece in almost every company name (有限, 公司) matches most of the table. The
planner then prefers to walk the table (or the page's order index) and evaluate the condition row by row, which means
running the SQL function `gx_search_tokens` on every row it reads: about a millisecond a row, so 30 s and more at
50,000 customers (the 200-user load run's timeouts). A common piece is therefore never asked of the index: the LIKE
alone (microseconds a row) decides, and an ordered page stops after its first matches.

How common a piece is comes from the planner's own statistics of the expression index (`pg_stats.most_common_elems`
of the index, kept by ANALYZE/autovacuum), read once every few minutes per process: no query per search. A piece not
among the most common elements is rarer than the least common of them. Without statistics (a table never analysed)
nothing is taken for common and the index is asked as before. On SQLite the FTS probe of the package answers the same
question (one quick count).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import Model

# A piece in at least this share of the rows is common (see the module's docstring). At 200,000 rows a page and its
# capped count (core.paging) cost about as much either way near a fifth of the table; a bitmap row costs more than a
# row read in order, hence a tenth.
PG_COMMON_SHARE = 0.1
# Statistics are read again after this many seconds (autovacuum's ANALYZE changes them slowly).
PG_STATS_TTL = 300.0

_PG_STATS: dict[tuple[str, str, str], tuple[float, dict[str, float]]] = {}


def pg_piece_shares(connection: Any, index: str) -> dict[str, float]:
    """{piece: share of the rows} for the most common pieces of token index `index`, from pg_stats (empty without
    statistics). Remembered for PG_STATS_TTL seconds per database and index."""
    key = (connection.alias, str(connection.settings_dict["NAME"]), index)
    now = time.monotonic()
    cached = _PG_STATS.get(key)
    if cached is not None and now - cached[0] < PG_STATS_TTL:
        return cached[1]
    # asked of the driver's connection directly (as dbvendor._sqlite_fts_ready does): a request's counted queries
    # stay the same whether the statistics were remembered or not
    connection.ensure_connection()
    with connection.connection.cursor() as cur:
        cur.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE schemaname = current_schema() AND tablename = %s AND most_common_elems IS NOT NULL",
            [index],
        )
        row = cur.fetchone()
    shares = dict(zip(row[0], row[1], strict=False)) if row else {}  # the frequencies end with 3 summary figures
    _PG_STATS[key] = (now, shares)
    return shares


def pg_common_pieces(connection: Any, index: str, pieces: list[str]) -> set[str]:
    """The pieces (of a token index search) that are in at least PG_COMMON_SHARE of the rows."""
    shares = pg_piece_shares(connection, index)
    return {p for p in pieces if shares.get(p, 0.0) >= PG_COMMON_SHARE}


def pg_token_ids(connection: Any, model: type[Model], column: str, pieces: list[str], terms: list[str]) -> Any:
    """The ids of the rows whose token index holds every piece and whose text contains every term (LIKE), as a fenced
    subquery (OFFSET 0): PostgreSQL reads it whole from the GIN index and never turns the token condition into a
    per-row check, which would run gx_search_tokens on every row a sorted page or a count walks (about a millisecond
    a row; see above). The LIKE inside, not beside it, so the rest of the query only joins the ids found."""
    from django.db.models.expressions import RawSQL

    pk, table, col = (f'"{name}"' for name in (model._meta.pk.column, model._meta.db_table, column))
    likes = "".join(f" AND {col} LIKE %s" for _term in terms)
    sql = (
        f"SELECT {pk} FROM (SELECT {pk} FROM {table} WHERE gx_search_tokens({col}) @> %s::text[]{likes} "  # noqa: S608
        "OFFSET 0) AS gx_tokens"
    )
    patterns = [f"%{connection.ops.prep_for_like_query(term)}%" for term in terms]
    return RawSQL(sql, (pieces, *patterns))  # noqa: S611 (quoted names; the pieces and patterns are parameters)


def search_term_is_common(model: type[Model], column: str, term: str, *, using: str = "default") -> bool:
    """Whether `term` is found in a large share of `model.column`'s rows (see the module's docstring), for a search
    that chooses its plan by it (e.g. a deal's search over its own text and its customer's). Only the plan depends on
    the answer, never the rows."""
    from django.db import connections

    from . import (
        _fts_match_is_common,
        _pg_pieces,
        _pg_tokens_ready,
        _sqlite_fts_ready,
        common_divisor,
        is_postgresql,
        is_sqlite,
        search_token_name,
        sqlite_matches,
    )

    connection = connections[using]
    if not term or "\x00" in term:
        return False
    if is_postgresql(connection):
        pieces = _pg_pieces([term])
        if not pieces or not _pg_tokens_ready(connection):
            return False  # pg_trgm answers a longer term from its index (or there is no token index to ask)
        field: Any = model._meta.get_field(column)
        index = search_token_name(model._meta.db_table, str(field.column))
        return bool(pg_common_pieces(connection, index, pieces))
    if is_sqlite(connection):
        for name, match in sqlite_matches(model, column, [term]):
            if _sqlite_fts_ready(connection, name) and _fts_match_is_common(
                connection, model, name, match, common_divisor(name)
            ):
                return True
    return False
