"""The follow-ups of each day kept by the database (issue 16 §7): per local day, author and method, how many live
follow-ups there are, so that a period's follow-up figures for someone who sees every follow-up (the dashboard of a
manager, the monthly report, the usage league) read a few thousand rows instead of every follow-up of the period
(450,000 a month at 5M follow-ups).

Kept by triggers on the follow-ups' table as opportunities.stage_totals keeps the board's totals: every path that
writes a follow-up changes the counts in the same transaction; the triggers only INSERT a change (+1 for a row that
became counted, −1 for one that stopped), so writers never wait for each other, and `followup_counts_compact` (a
periodic job) folds each key's rows into one. A follow-up counts while it is not in the recycle bin (deleted_at
empty: what the follow-up figure counts for a reader who sees every follow-up).

The day is the local date of `occurred_at` in the installation's time zone (settings.TIME_ZONE) as the triggers
were made: a period read in another zone (a user's own) is counted from the follow-ups instead. On SQLite the
triggers call Django's own date function (registered on every connection Django opens). `post_migrate` makes the
triggers again, and recounts, when the zone changed or the table lost them (a SQLite table rebuild drops them).
`customers/tests/test_followup_counts.py` checks the counts against the grouped query after random writes.
"""

# ruff: noqa: S608  (the SQL here is built from the constant names below and the configured zone; values are parameters)

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from guanxi.core.dbvendor import is_sqlite
from guanxi.core.metrics import adjacent_runs

TABLE = "customers_followup_day_count"
FOLLOW_UPS = "customers_followup"
KEY = "day, author_id, method"
COUNTED = "deleted_at IS NULL"
WATCHED = ("occurred_at", "author_id", "method", "deleted_at")
_PG_FUNCTION = "gx_followup_day_counts"
_PG_TRIGGERS = {"INSERT": "new_rows", "UPDATE": None, "DELETE": "old_rows", "TRUNCATE": None}


def kept_zone() -> str:
    return str(settings.TIME_ZONE or "UTC")


def _zone_literal() -> str:
    zone = kept_zone()
    if "'" in zone:  # a zone name never holds a quote; refuse rather than build SQL from one
        raise ValueError(zone)
    return f"'{zone}'"


def _day(conn: Any, column: str) -> str:
    """The local day of `column` in the kept zone, in SQL (conn None: PostgreSQL's)."""
    if conn is not None and is_sqlite(conn):
        return f"django_datetime_cast_date({column}, {_zone_literal()}, 'UTC')"
    return f"(({column}) AT TIME ZONE {_zone_literal()})::date"


def _pg_sql() -> list[str]:
    def changes(rows: str, sign: str) -> str:
        day = _day(None, "occurred_at")
        return f"SELECT {day} AS day, author_id, method, {sign}1 AS n FROM {rows} WHERE {COUNTED}"

    folded = f"INSERT INTO {TABLE} ({KEY}, n) SELECT {KEY}, SUM(n) FROM (%s) AS d GROUP BY {KEY} HAVING SUM(n) <> 0"
    body = (
        "BEGIN\n"
        f"  IF TG_OP = 'INSERT' THEN {folded % changes('new_rows', '')};\n"
        f"  ELSIF TG_OP = 'DELETE' THEN {folded % changes('old_rows', '-')};\n"
        "  ELSIF TG_OP = 'UPDATE' THEN "
        f"{folded % (changes('new_rows', '') + ' UNION ALL ' + changes('old_rows', '-'))};\n"
        f"  ELSE DELETE FROM {TABLE};\n"  # TRUNCATE of the follow-ups
        "  END IF;\n  RETURN NULL;\nEND"
    )
    statements = ["SET CONSTRAINTS ALL IMMEDIATE"]  # (ALTER TABLE refuses to run with deferred checks pending)
    statements += [f"CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$\n{body}\n$$"]
    for event, rows in _PG_TRIGGERS.items():
        name = f"{_PG_FUNCTION}_{event.lower()}"
        if event == "UPDATE":
            referencing = "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        elif rows:
            referencing = f"REFERENCING {'NEW' if event == 'INSERT' else 'OLD'} TABLE AS {rows} "
        else:
            referencing = ""
        statements += [
            f"DROP TRIGGER IF EXISTS {name} ON {FOLLOW_UPS}",
            f"CREATE TRIGGER {name} AFTER {event} ON {FOLLOW_UPS} {referencing}"
            f"FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}()",
            f"ALTER TABLE {FOLLOW_UPS} ENABLE ALWAYS TRIGGER {name}",
        ]
    return statements


def _sqlite_row(conn: Any, row: str, sign: str) -> str:
    return (
        f"INSERT INTO {TABLE} ({KEY}, n) SELECT {_day(conn, f'{row}.occurred_at')}, {row}.author_id, {row}.method, "
        f"{sign}1 WHERE {row}.deleted_at IS NULL;"
    )


def _sqlite_sql(conn: Any) -> list[str]:
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in WATCHED)
    return [
        f"CREATE TRIGGER gx_followup_counts_ai AFTER INSERT ON {FOLLOW_UPS} BEGIN {_sqlite_row(conn, 'new', '')} END",
        f"CREATE TRIGGER gx_followup_counts_ad AFTER DELETE ON {FOLLOW_UPS} BEGIN {_sqlite_row(conn, 'old', '-')} END",
        f"CREATE TRIGGER gx_followup_counts_au AFTER UPDATE OF {', '.join(WATCHED)} ON {FOLLOW_UPS} "
        f"WHEN {changed} BEGIN {_sqlite_row(conn, 'old', '-')} {_sqlite_row(conn, 'new', '')} END",
    ]


def _trigger_names(conn: Any) -> set[str]:
    if is_sqlite(conn):
        return {f"gx_followup_counts_{suffix}" for suffix in ("ai", "ad", "au")}
    return {f"{_PG_FUNCTION}_{event.lower()}" for event in _PG_TRIGGERS}


def followup_counts_triggers_create(*, using: Any = None) -> None:
    """The triggers (migration customers 0022: its schema editor's connection), then the counts of the follow-ups
    there."""
    conn = using or connection
    followup_counts_triggers_drop(using=conn)
    statements = _sqlite_sql(conn) if is_sqlite(conn) else _pg_sql()
    with conn.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    followup_counts_rebuild(using=conn)


def followup_counts_triggers_drop(*, using: Any = None) -> None:
    conn = using or connection
    with conn.cursor() as cursor:
        for name in _trigger_names(conn):
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if is_sqlite(conn) else f" ON {FOLLOW_UPS}"))
        if not is_sqlite(conn):
            cursor.execute(f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}()")


def followup_counts_triggers_ensure(*, using: str = "default", **_kwargs: Any) -> bool:
    """post_migrate: make the triggers again, and recount, if the follow-ups' table lost them or they count days in
    another zone than settings.TIME_ZONE now names. Returns whether they had to be made again. Does nothing before
    the counts' table exists. As for the board's totals (stage_totals_triggers_ensure), `flush` may empty the
    follow-ups after the counts on SQLite: with no follow-up left, no count is right but none."""
    from django.db import connections

    conn = connections[using]
    if TABLE not in conn.introspection.table_names():
        return False
    with conn.cursor() as cursor:
        if is_sqlite(conn):
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [FOLLOW_UPS])
        else:
            cursor.execute(
                "SELECT t.tgname, p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
                "WHERE t.tgrelid = %s::regclass AND t.tgenabled = 'A'",
                [FOLLOW_UPS],
            )
        found = {name: source for name, source in cursor.fetchall()}
        cursor.execute(f"DELETE FROM {TABLE} WHERE NOT EXISTS (SELECT 1 FROM {FOLLOW_UPS})")
    names = _trigger_names(conn)
    if names <= set(found) and all(_zone_literal() in (found[name] or "") for name in names):
        return False
    followup_counts_triggers_create(using=conn)
    return True


def followup_counts_rebuild(*, using: Any = None) -> None:
    """Recount every key from the follow-ups (after the migration, a change of zone, or as a repair)."""
    conn = using or connection
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if not is_sqlite(conn):  # no follow-up write may slip between the two statements
            cursor.execute(f"LOCK TABLE {FOLLOW_UPS} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(
            f"INSERT INTO {TABLE} ({KEY}, n) SELECT day, author_id, method, COUNT(*) FROM (SELECT "
            f"{_day(conn, 'occurred_at')} AS day, author_id, method FROM {FOLLOW_UPS} WHERE {COUNTED}) AS f "
            f"GROUP BY {KEY} ORDER BY {KEY}"  # a period's rows side by side
        )


def followup_counts_compact() -> int:
    """Fold each key's change rows into one (a key counting zero into none); returns the rows left. Safe beside
    concurrent writers, as stage_totals_compact is."""
    many = f"({KEY}) IN (SELECT {KEY} FROM {TABLE} %s GROUP BY {KEY} HAVING COUNT(*) > 1)"
    sums = f"SUM(n) FROM %s GROUP BY {KEY} HAVING SUM(n) <> 0"
    with transaction.atomic(), connection.cursor() as cursor:
        if is_sqlite(connection):
            cursor.execute(f"SELECT MAX(id) FROM {TABLE}")
            top = int(cursor.fetchone()[0] or 0)
            chosen = f"WHERE id <= {top} AND {many % f'WHERE id <= {top}'}"
            cursor.execute(f"INSERT INTO {TABLE} ({KEY}, n) SELECT {KEY}, {sums % f'{TABLE} {chosen}'}")
            cursor.execute(f"DELETE FROM {TABLE} {chosen}")
        else:
            cursor.execute(
                f"WITH gone AS (DELETE FROM {TABLE} WHERE {many % ''} RETURNING {KEY}, n) "
                f"INSERT INTO {TABLE} ({KEY}, n) SELECT {KEY}, {sums % 'gone'}"
            )
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        return int(cursor.fetchone()[0])


GROUPS = {"total": None, "owner": "c.author_id", "method": "c.method", "department": "u.department_id"}


def followup_counts(
    *, periods: Sequence[tuple[dt.date, dt.date]], group_by: str, owners: Iterable[int] | None = None
) -> list[dict[Any, Decimal]] | None:
    """Each period's live follow-ups (local days, inclusive) grouped by author ("owner"), the author's department
    or the method, or in total, from the kept counts: what the follow-up figure counts for a reader who sees every
    follow-up. One query per run of adjacent periods (a month with the one before; a year ago), each one range of
    days (the month and a year ago in one range read the eleven months between: 85-165 ms at 5M follow-ups, two
    ranges 2 × 5 ms). None when the kept counts cannot answer (another grouping)."""
    if group_by not in GROUPS or not periods:
        return None
    ids = None if owners is None else [int(o) for o in owners]
    if ids is not None and not ids:
        return [{} if group_by != "total" else {None: Decimal(0)} for _p in periods]
    answers: list[dict[Any, Decimal]] = [{} for _p in periods]
    for run in adjacent_runs(periods):
        found = _kept_run([periods[i] for i in run], group_by, ids)
        for i, figure in zip(run, found, strict=True):
            answers[i] = figure
    return answers


def _kept_run(
    periods: Sequence[tuple[dt.date, dt.date]], group_by: str, ids: list[int] | None
) -> list[dict[Any, Decimal]]:
    """`followup_counts` of periods whose days touch, in one query over the one range of days they cover."""
    where = ["c.day >= %s AND c.day <= %s"]
    params: list[Any] = [min(a for a, _b in periods), max(b for _a, b in periods)]
    if ids is not None:
        where.append(f"c.author_id IN ({', '.join(['%s'] * len(ids))})")
        params += ids
    column = GROUPS[group_by]
    sums: list[str] = []
    sum_params: list[Any] = []
    for a, b in periods:
        sums.append("SUM(CASE WHEN c.day >= %s AND c.day <= %s THEN c.n ELSE 0 END)")
        sum_params += [a, b]
    join = "JOIN org_user u ON u.id = c.author_id " if group_by == "department" else ""
    select = f"{column or 'NULL'}, {', '.join(sums)}"
    group = f" GROUP BY {column}" if column else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select} FROM {TABLE} c {join}WHERE {' AND '.join(where)}{group}", sum_params + params)
        rows = cursor.fetchall()
    answers: list[dict[Any, Decimal]] = []
    for i in range(len(periods)):
        if column is None:
            answers.append({None: Decimal(int(rows[0][1 + i] or 0)) if rows else Decimal(0)})
        else:
            answers.append({row[0]: Decimal(int(row[1 + i])) for row in rows if row[1 + i]})
    return answers
