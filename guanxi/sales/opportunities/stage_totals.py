"""The board's column totals kept by the database (issue 13 §3): per pipeline, stage and owner, how many open deals,
their amount and their weighted amount, so that the board of someone who sees every deal reads a few hundred rows
instead of every open deal's index entry (242,000 at the benchmark's size).

Kept by triggers on the deals' table, so every path that writes a deal — a service, a bulk update, an import, the
demo's and the benchmark's COPY, a deletion, a raw UPDATE — changes the totals in the same transaction, with the
same visibility as the deal itself. A deal counts while it is open and not in the recycle bin (status 'open',
deleted_at empty: what the board's grouped query counts for scope "all"). The triggers only ever INSERT a change
(+1 deal and its amounts for a row that became counted, −1 for one that stopped), so two writers never wait for
the same total row, and no lock order can deadlock. `stage_totals_compact` (a periodic job) folds each key's
rows into one. On PostgreSQL one statement adds at most one row per key it touched (statement triggers over the
transition tables: a bulk update of 100,000 deals adds a handful), and the triggers fire even where a bulk load
skips triggers (`session_replication_role = replica`: ENABLE ALWAYS). On SQLite, which has only row triggers,
every counted row written adds one or two rows until the next compaction.

Amounts are kept in whole cents (exact on SQLite too, where a decimal column holds a float), the weighted amount
as Σ cents × probability: the board's weighted amount is that ÷ 10,000, the grouped query's Σ(amount ×
probability) ÷ 100 to the digit. `sales/tests/test_stage_totals.py` checks both against the grouped query after
random writes of every kind, on both databases.
"""

# ruff: noqa: S608  (the SQL here is built from the constant table and column names below; values are parameters)

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from guanxi.core.dbvendor import is_sqlite

TABLE = "sales_opportunity_stage_total"
DEALS = "sales_opportunity"
KEY = "pipeline_id, stage_id, owner_id"
COLUMNS = f"{KEY}, n, amount_cents, weighted_cents"
COUNTED = "status = 'open' AND deleted_at IS NULL"  # Opportunity.Status.OPEN, not in the recycle bin
WATCHED = ("pipeline_id", "stage_id", "owner_id", "amount", "probability", "status", "deleted_at")
_PG_FUNCTION = "gx_opportunity_stage_totals"
_PG_TRIGGERS = {"INSERT": "new_rows", "UPDATE": None, "DELETE": "old_rows", "TRUNCATE": None}


def _pg_changes(rows: str, sign: str) -> str:
    return (
        f"SELECT {KEY}, {sign}1 AS n, {sign}(amount * 100) AS a, {sign}(amount * 100 * probability) AS w "
        f"FROM {rows} WHERE {COUNTED}"
    )


def _pg_sql() -> list[str]:
    folded = (
        f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {KEY}, SUM(n), SUM(a), SUM(w) FROM (%s) AS d "
        f"GROUP BY {KEY} HAVING SUM(n) <> 0 OR SUM(a) <> 0 OR SUM(w) <> 0"
    )
    body = (
        "BEGIN\n"
        f"  IF TG_OP = 'INSERT' THEN {folded % _pg_changes('new_rows', '')};\n"
        f"  ELSIF TG_OP = 'DELETE' THEN {folded % _pg_changes('old_rows', '-')};\n"
        "  ELSIF TG_OP = 'UPDATE' THEN "
        f"{folded % (_pg_changes('new_rows', '') + ' UNION ALL ' + _pg_changes('old_rows', '-'))};\n"
        f"  ELSE DELETE FROM {TABLE};\n"  # TRUNCATE of the deals
        "  END IF;\n  RETURN NULL;\nEND"
    )
    # (ALTER TABLE refuses to run while the transaction has deferred foreign-key checks pending: run them now)
    statements = ["SET CONSTRAINTS ALL IMMEDIATE"]
    statements += [f"CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$\n{body}\n$$"]
    for event in _PG_TRIGGERS:
        name = f"{_PG_FUNCTION}_{event.lower()}"
        if event == "UPDATE":
            referencing = "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        elif _PG_TRIGGERS[event]:
            kind = "NEW" if event == "INSERT" else "OLD"
            referencing = f"REFERENCING {kind} TABLE AS {_PG_TRIGGERS[event]} "
        else:
            referencing = ""
        statements += [
            f"DROP TRIGGER IF EXISTS {name} ON {DEALS}",
            f"CREATE TRIGGER {name} AFTER {event} ON {DEALS} {referencing}"
            f"FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}()",
            f"ALTER TABLE {DEALS} ENABLE ALWAYS TRIGGER {name}",
        ]
    return statements


def _sqlite_row(row: str, sign: str) -> str:
    cents = f"CAST(ROUND({row}.amount * 100) AS INTEGER)"
    return (
        f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {row}.pipeline_id, {row}.stage_id, {row}.owner_id, "
        f"{sign}1, {sign}{cents}, {sign}{cents} * {row}.probability "
        f"WHERE {row}.status = 'open' AND {row}.deleted_at IS NULL;"
    )


def _sqlite_sql() -> list[str]:
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in WATCHED)
    return [
        f"CREATE TRIGGER IF NOT EXISTS gx_stage_totals_ai AFTER INSERT ON {DEALS} BEGIN {_sqlite_row('new', '')} END",
        f"CREATE TRIGGER IF NOT EXISTS gx_stage_totals_ad AFTER DELETE ON {DEALS} BEGIN {_sqlite_row('old', '-')} END",
        f"CREATE TRIGGER IF NOT EXISTS gx_stage_totals_au AFTER UPDATE OF {', '.join(WATCHED)} ON {DEALS} "
        f"WHEN {changed} BEGIN {_sqlite_row('old', '-')} {_sqlite_row('new', '')} END",
    ]


def stage_totals_triggers_create(*, using: Any = None) -> None:
    """The triggers (migration sales 0018: its schema editor's connection), then the totals of the deals there."""
    conn = using or connection
    statements = _sqlite_sql() if is_sqlite(conn) else _pg_sql()
    with conn.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    stage_totals_rebuild(using=conn)


def _trigger_names(conn: Any) -> set[str]:
    if is_sqlite(conn):
        return {f"gx_stage_totals_{suffix}" for suffix in ("ai", "ad", "au")}
    return {f"{_PG_FUNCTION}_{event.lower()}" for event in _PG_TRIGGERS}


def stage_totals_triggers_ensure(*, using: str = "default", **_kwargs: Any) -> bool:
    """post_migrate: put the triggers back, and recount, if the deals' table lost them — SQLite drops a table's
    triggers when a migration rebuilds the table (every column change there is a copy into a new table). Returns
    whether they had to be made again. Does nothing before migration 0018 has made the totals' table.

    `flush` sends post_migrate too: on SQLite it empties the tables one DELETE at a time in no fixed order, so when
    the totals' table goes first the deals' deletion leaves a −1 row for each of them. With no deal left, no total
    is right but none."""
    from django.db import connections

    conn = connections[using]
    if TABLE not in conn.introspection.table_names():
        return False
    with conn.cursor() as cursor:
        if is_sqlite(conn):
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [DEALS])
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND tgenabled = 'A'", [DEALS])
        found = {row[0] for row in cursor.fetchall()}
        cursor.execute(f"DELETE FROM {TABLE} WHERE NOT EXISTS (SELECT 1 FROM {DEALS})")
    if _trigger_names(conn) <= found:
        return False
    stage_totals_triggers_create(using=conn)
    return True


def stage_totals_triggers_drop(*, using: Any = None) -> None:
    conn = using or connection
    with conn.cursor() as cursor:
        if is_sqlite(conn):
            for name in _trigger_names(conn):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            return
        for name in _trigger_names(conn):
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {DEALS}")
        cursor.execute(f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}()")


def stage_totals_rebuild(*, using: Any = None) -> None:
    """Recount every key from the deals (after the migration; a repair if the table was ever edited by hand)."""
    conn = using or connection
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if not is_sqlite(conn):  # no deal write may slip between the two statements
            cursor.execute(f"LOCK TABLE {DEALS} IN SHARE MODE")
        for sql in _rebuild_sql(conn):
            cursor.execute(sql)


def _rebuild_sql(conn: Any) -> list[str]:
    cents = "CAST(ROUND(amount * 100) AS INTEGER)" if is_sqlite(conn) else "amount * 100"
    return [
        f"DELETE FROM {TABLE}",
        f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {KEY}, COUNT(*), SUM({cents}), SUM({cents} * probability) "
        f"FROM {DEALS} WHERE {COUNTED} GROUP BY {KEY}",
    ]


def stage_totals_compact() -> int:
    """Fold each key's change rows into one (a key whose totals are zero into none); returns the rows left. Safe
    beside concurrent writers: on PostgreSQL one statement deletes the rows and inserts exactly their sums; on
    SQLite, whose writers take turns, the rows up to the highest id seen are folded."""
    many = f"({KEY}) IN (SELECT {KEY} FROM {TABLE} %s GROUP BY {KEY} HAVING COUNT(*) > 1)"
    sums = f"SUM(n), SUM(amount_cents), SUM(weighted_cents) FROM %s GROUP BY {KEY} HAVING SUM(n) <> 0 OR "
    sums += "SUM(amount_cents) <> 0 OR SUM(weighted_cents) <> 0"
    with transaction.atomic(), connection.cursor() as cursor:
        if is_sqlite(connection):
            cursor.execute(f"SELECT MAX(id) FROM {TABLE}")
            top = cursor.fetchone()[0] or 0
            chosen = f"WHERE id <= {int(top)} AND {many % f'WHERE id <= {int(top)}'}"
            cursor.execute(f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {KEY}, {sums % f'{TABLE} {chosen}'}")
            cursor.execute(f"DELETE FROM {TABLE} {chosen}")
        else:
            cursor.execute(
                f"WITH gone AS (DELETE FROM {TABLE} WHERE {many % ''} RETURNING {COLUMNS}) "
                f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {KEY}, {sums % 'gone'}"
            )
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        return int(cursor.fetchone()[0])


def stage_totals(*, pipeline_id: int, owner_id: int | None = None) -> dict[int, dict[str, Any]]:
    """{stage id: {"n", "total", "weighted"}} of the pipeline's open deals (one owner's, if given): what the board's
    grouped query gives for someone who sees every deal, from the kept totals."""
    where, params = "pipeline_id = %s", [pipeline_id]
    if owner_id is not None:
        where, params = f"{where} AND owner_id = %s", [pipeline_id, owner_id]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT stage_id, SUM(n), SUM(amount_cents), SUM(weighted_cents) FROM {TABLE} "
            f"WHERE {where} GROUP BY stage_id",
            params,
        )
        rows = cursor.fetchall()
    return {
        stage: {
            "n": int(n),
            "total": Decimal(int(cents)).scaleb(-2),
            "weighted": Decimal(int(weighted)).scaleb(-4),
        }
        for stage, n, cents, weighted in rows
        if n
    }
