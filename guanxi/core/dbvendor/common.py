"""Whether a search term is common — in so many of a table's rows that a search for it is better off reading the rows
in the page's order and stopping after the first page than fetching every match from an index — on either database.

Why it matters on PostgreSQL: the token index (`gx_search_tokens(search_text)`, see the package) answers a rare piece
(恒信) from a few GIN entries, but a piece in almost every company name (有限, 公司) matches most of the table. The
planner then prefers to walk the table (or the page's order index) and evaluate the condition row by row, which means
running the SQL function `gx_search_tokens` on every row it reads: about a millisecond a row, so 30 s and more at
50,000 customers (the 200-user load run's timeouts). A common piece is therefore never asked of the index: the LIKE
alone (microseconds a row) decides, and an ordered page stops after its first matches.

How common a piece is: its share of the rows times the table's rows, the number of matches the index would hand
over. The share comes from the planner's own statistics of the expression index (`pg_stats.most_common_elems` of the
index, kept by ANALYZE/autovacuum) and the rows from `pg_class.reltuples`, read once every few minutes per process: no
query per search; a piece not among the most common elements is rarer than the least common of them. Without
statistics (a table never analysed: autovacuum off, or a fresh table autovacuum has not reached) the share is measured
on a small block sample of the table (`TABLESAMPLE SYSTEM`, a few thousand rows, LIKE: a millisecond or two), and the
answer remembered a minute per piece. On SQLite the FTS probe of the package answers the same question (one quick
count).

Which plan is cheaper, given M matches among N rows (`pg_walk_is_cheaper`): the index reads every match, for the
count and again for the page (a bitmap heap row and its join back by id); the walk reads the rows in the page's order
until the page is full (about 50·N/M rows) and counts until core.paging's cap (C·N/M rows, all N when M is under the
cap). Walking is cheaper when N·min(1, C/M) + 50·N/M < 2·M·PG_INDEX_ROW_COST: at 20,000 rows from 550 matches
(2.7 %), at 300,000 from 7,600 (2.5 %), at 2,000,000 from 22,400 (1.1 %); never under PG_WALK_MIN_MATCHES. The
walk's page assumes the matches spread evenly along the order; a surname on a list sorted by name is not (its matches
sit together at its place in the order), so there the page may read up to every row before it — at most the count's
own cost again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, F, Func

if TYPE_CHECKING:
    from django.db.models import Model

# A match read through the token index costs about this many rows read in order with a LIKE (measured at 300,000
# contacts, PostgreSQL 15: 3-9 µs a match — bitmap heap row, LIKE, join back by id — against 0.25 µs a row scanned
# with a LIKE).
PG_INDEX_ROW_COST = 20
# The rows a page reads (the lists' 50) in the cost comparison.
PG_PAGE_ROWS = 50
# Fewer matches than this are always read from the index (a handful of heap rows, whatever the table's size).
PG_WALK_MIN_MATCHES = 50
# Statistics are read again after this many seconds (autovacuum's ANALYZE changes them slowly).
PG_STATS_TTL = 300.0
# Without statistics: the rows a block sample reads (about), and how long a sampled share is remembered.
PG_SAMPLE_ROWS = 4000
PG_SAMPLE_TTL = 60.0
# Sampled shares remembered at most (the pieces come from what users type): past it, they are forgotten at once.
PG_SAMPLES_MAX = 4096
# A search narrowed by ids (a rep's contacts: `customer_id = ANY(ARRAY(the rep's customers))`, dbvendor.ids) tests
# the scope on each match instead when the term is estimated in at most this many rows: a match costs a heap row and a
# primary-key probe, the array every one of the scope's parents and their rows (a rep's 9,000 customers and 18,000
# contacts at a million customers: about 27,000 rows read), so up to about half that the matches are cheaper.
PG_PER_ROW_SCOPE_MAX = 10_000
# A rep's own rows (a scope read part by part from an index led by the owner, dbvendor.ids.SplitCondition) searched
# for a piece: the owner index and the token index are read together (a BitmapAnd: only the rows in both are
# fetched), unless the piece is in at least this share of all rows. The walk fetches every one of the rep's rows
# (9,191 customers at a million: 188 ms for a character in 2.5 % of the names, where the BitmapAnd took 15 ms); the
# token index's posting list costs about a fortieth of a row fetched per entry, so it is cheaper up to a share of
# about a quarter of the table for a rep who owns one row in a hundred; 有限 and 公司 (95 %) still walk.
PG_OWN_ROWS_COMMON_SHARE = 0.25


@dataclass(frozen=True)
class TokenStats:
    """What the statistics say of a token index: the table's rows, and {piece: share} of its most common pieces
    (None: the index has no statistics)."""

    rows: float
    shares: dict[str, float] | None


_PG_STATS: dict[tuple[str, str, str], tuple[float, TokenStats]] = {}
_PG_SAMPLES: dict[tuple[str, str, str, str], tuple[float, tuple[float, float]]] = {}


def pg_token_stats(connection: Any, table: str, index: str) -> TokenStats:
    """The statistics of token index `index` on `table`, remembered PG_STATS_TTL seconds per database and index."""
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
            "SELECT (SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)), s.tablename IS NOT NULL, "
            "s.most_common_elems::text::text[], s.most_common_elem_freqs FROM (SELECT 1) AS one "
            "LEFT JOIN pg_stats s ON s.schemaname = current_schema() AND s.tablename = %s",
            [table, index],
        )
        reltuples, analysed, elems, freqs = cur.fetchone()
    # the frequencies end with 3 summary figures (zip stops at the elements)
    shares = dict(zip(elems or [], freqs or [], strict=False)) if analysed else None
    stats = TokenStats(rows=max(float(reltuples or 0), 0.0), shares=shares)
    _PG_STATS[key] = (now, stats)
    return stats


def pg_sampled_matches(connection: Any, model: type[Model], column: str, piece: str) -> tuple[float, float]:
    """(matches, rows): the rows of `model` whose `column` holds `piece` and the table's rows, both estimated from a
    block sample of about PG_SAMPLE_ROWS rows (the share sampled is set by the largest id, an upper bound of the rows;
    a table of a few samples' size is read whole), for a token index without statistics. Remembered PG_SAMPLE_TTL
    seconds."""
    table = model._meta.db_table
    key = (connection.alias, str(connection.settings_dict["NAME"]), f"{table}.{column}", piece)
    now = time.monotonic()
    cached = _PG_SAMPLES.get(key)
    if cached is not None and now - cached[0] < PG_SAMPLE_TTL:
        return cached[1]
    q = connection.ops.quote_name
    tbl, col, pk = q(table), q(column), q(model._meta.pk.column)
    connection.ensure_connection()
    with connection.connection.cursor() as cur:  # not among the request's counted queries (see pg_token_stats)
        cur.execute(f"SELECT coalesce(max({pk}), 0) FROM {tbl}")  # noqa: S608 (quoted names)
        top = float(cur.fetchone()[0])
        # a table of a few samples' size is read whole (exact, and no sample missing its few pages)
        percent = 100.0 if top <= 4 * PG_SAMPLE_ROWS else 100.0 * PG_SAMPLE_ROWS / top
        sample = "" if percent == 100.0 else f" TABLESAMPLE SYSTEM ({percent:.6f}) REPEATABLE (0)"
        cur.execute(
            f"SELECT count(*) FILTER (WHERE {col} LIKE %s), count(*) FROM {tbl}{sample}",  # noqa: S608 (quoted names)
            [f"%{connection.ops.prep_for_like_query(piece)}%"],
        )
        hits, sampled = cur.fetchone()
    answer = (hits * 100.0 / percent, sampled * 100.0 / percent)
    if len(_PG_SAMPLES) >= PG_SAMPLES_MAX:
        _PG_SAMPLES.clear()
    _PG_SAMPLES[key] = (now, answer)
    return answer


def pg_walk_is_cheaper(matches: float, rows: float) -> bool:
    """Whether a sorted, capped list reads `matches` of `rows` cheaper by walking its order with a LIKE than through
    the token index (the module's docstring)."""
    from ..paging import COUNT_CAP

    if matches < PG_WALK_MIN_MATCHES or rows <= 0:
        return False
    per_match = rows / min(matches, rows)  # rows read in order for each match found
    walk = min(rows, (COUNT_CAP + 1) * per_match) + PG_PAGE_ROWS * per_match
    return walk < 2 * matches * PG_INDEX_ROW_COST


def pg_common_pieces(
    connection: Any, model: type[Model], column: str, pieces: list[str], *, own_rows: bool = False
) -> set[str]:
    """The pieces (of a token index search on `model.column`) better left to the LIKE: found in so many rows that
    walking the page's order beats reading every match from the index (pg_walk_is_cheaper). `own_rows`: the query
    reads a rep's own rows from an index led by the owner (dbvendor.ids.is_split), so only a piece in a large share
    of all rows is left to the LIKE (PG_OWN_ROWS_COMMON_SHARE)."""
    from . import search_token_name

    table = model._meta.db_table
    stats = pg_token_stats(connection, table, search_token_name(table, column))
    common = set()
    for piece in pieces:
        if stats.shares is None:
            matches, rows = pg_sampled_matches(connection, model, column, piece)
        else:
            matches, rows = stats.shares.get(piece, 0.0) * stats.rows, stats.rows
        if own_rows:
            if rows > 0 and matches >= PG_OWN_ROWS_COMMON_SHARE * rows:
                common.add(piece)
        elif pg_walk_is_cheaper(matches, rows):
            common.add(piece)
    return common


def pg_estimated_matches(connection: Any, model: type[Model], column: str, terms: list[str]) -> float:
    """The rows of `model` whose `column` (its db column) holds every term, estimated as the fewest any one term is
    in: a short piece from the token index's statistics (or a sample without them, as pg_common_pieces), a longer
    term from a block sample of the table (pg_sampled_matches, remembered a minute)."""
    from . import _pg_pieces, search_token_name

    table = model._meta.db_table
    fewest = float("inf")
    for term in terms:
        pieces = _pg_pieces([term])
        if not pieces:  # pg_trgm's term: how many rows hold it, from a sample
            fewest = min(fewest, pg_sampled_matches(connection, model, column, term)[0])
            continue
        stats = pg_token_stats(connection, table, search_token_name(table, column))
        for piece in pieces:
            if stats.shares is None:
                matches = pg_sampled_matches(connection, model, column, piece)[0]
            else:
                matches = stats.shares.get(piece, 0.0) * stats.rows
            fewest = min(fewest, matches)
    return fewest


class TokensContain(Func):
    """`gx_search_tokens(column) @> pieces` as a condition of the query itself (not a subquery): PostgreSQL reads the
    rows from the GIN index over that expression with the estimate its statistics give (arraycontsel on the
    index's most common elements) and fetches each row once, with no join back by id (the fenced subquery before it
    was estimated at one row and joined its ids back by a nested loop of primary-key probes: 2-3 times the time at
    200,000 rows). A piece common enough for the planner to prefer walking rows, which would run the function on
    each (about 45 times the cost of a LIKE), never gets here: pg_common_pieces leaves it to the LIKE. (Declaring the
    function's COST at its measured 1000 was tried: the planner then chose parallel bitmap scans, slower on a busy
    machine, for the same rows; plpgsql's default 100 keeps the plain bitmap scan.)"""

    output_field = BooleanField()

    def __init__(self, column: str, pieces: list[str]) -> None:
        self.pieces = list(pieces)
        super().__init__(F(column))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column_sql, params = compiler.compile(self.source_expressions[0])
        return f"gx_search_tokens({column_sql}) @> %s::text[]", [*params, self.pieces]


def search_term_is_common(model: type[Model], column: str, term: str, *, using: str = "default") -> bool:
    """Whether `term` is found in a large share of `model.column`'s rows (see the module's docstring): search_filter
    then leaves it to the LIKE. For a search that chooses its plan by it, and for the benchmark's baselines, which
    follow the application's plan. Only the plan depends on the answer, never the rows."""
    from django.db import connections

    from . import (
        _fts_match_is_common,
        _pg_pieces,
        _pg_tokens_ready,
        _sqlite_fts_ready,
        common_divisor,
        is_postgresql,
        is_sqlite,
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
        return bool(pg_common_pieces(connection, model, str(field.column), pieces))
    if is_sqlite(connection):
        for name, match in sqlite_matches(model, column, [term]):
            if _sqlite_fts_ready(connection, name) and _fts_match_is_common(
                connection, model, name, match, common_divisor(name)
            ):
                return True
    return False
