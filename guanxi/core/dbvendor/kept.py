"""Sums the database keeps for a table by triggers (the board's totals, the follow-ups of each day, the customers by
owner and level): one definition of the triggers on both databases, their repair after a migration or a bulk load,
the recount and the compaction, so each kept table states only what it keeps.

A kept table holds one row per change: the triggers only ever INSERT (+ the values of a source row that became
counted, − those of one that stopped), so two writers never wait for the same row and no lock order can deadlock;
`compact` (a periodic job) folds each key's rows into one, and a reader sums a key's rows. On PostgreSQL one
statement adds at most one row per key it touched (statement triggers over the transition tables), and the
triggers fire even where a bulk load skips triggers (`session_replication_role = replica`: ENABLE ALWAYS). On
SQLite, which has only row triggers, every counted row written adds one or two rows until the next compaction.

Expressions are written with `{r}` before each column of the source row: "" in a statement over the table or a
transition table, "new." / "old." in a SQLite row trigger.
"""

# ruff: noqa: S608  (the SQL here is built from the constant names of a KeptSums; values are parameters)

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from . import is_sqlite

# (connection) -> the SQL of each kept column for a source row: the key's, then the values' (a value of the row
# counted once: 1 for a count, the amount in cents for a sum)
RowSql = Callable[[Any], Sequence[str]]

_PG_TRIGGERS = {"INSERT": "new_rows", "UPDATE": None, "DELETE": "old_rows", "TRUNCATE": None}


@dataclass(frozen=True)
class KeptSums:
    table: str
    source: str
    key: tuple[str, ...]  # the kept table's key columns
    values: tuple[str, ...]  # its summed columns
    row: RowSql  # the key's and the values' SQL for a source row
    counted: str  # when a source row counts ("{r}deleted_at IS NULL")
    watched: tuple[str, ...]  # the source columns the key, the values and `counted` read
    name: str  # the PostgreSQL function's and triggers' name
    sqlite_name: str  # the SQLite triggers' name
    signature: Callable[[], str] | None = None  # text every trigger must hold, else `ensure` makes them again

    @property
    def columns(self) -> str:
        return ", ".join(self.key + self.values)

    def _row_select(self, conn: Any, r: str, sign: str = "") -> str:
        exprs = [e.format(r=r) for e in self.row(conn)]
        keys, values = exprs[: len(self.key)], exprs[len(self.key) :]
        names = list(self.key) + list(self.values)
        parts = keys + [f"{sign}({v})" if sign else v for v in values]
        return ", ".join(f"{p} AS {n}" for p, n in zip(parts, names, strict=True))

    def _nonzero(self) -> str:
        return " OR ".join(f"SUM({v}) <> 0" for v in self.values)

    def _pg_sql(self, conn: Any) -> list[str]:
        key = ", ".join(self.key)

        def changes(rows: str, sign: str) -> str:
            return f"SELECT {self._row_select(conn, '', sign)} FROM {rows} WHERE {self.counted.format(r='')}"

        sums = ", ".join(f"SUM({v})" for v in self.values)
        folded = (
            f"INSERT INTO {self.table} ({self.columns}) SELECT {key}, {sums} FROM (%s) AS d "
            f"GROUP BY {key} HAVING {self._nonzero()}"
        )
        body = (
            "BEGIN\n"
            f"  IF TG_OP = 'INSERT' THEN {folded % changes('new_rows', '')};\n"
            f"  ELSIF TG_OP = 'DELETE' THEN {folded % changes('old_rows', '-')};\n"
            "  ELSIF TG_OP = 'UPDATE' THEN "
            f"{folded % (changes('new_rows', '') + ' UNION ALL ' + changes('old_rows', '-'))};\n"
            f"  ELSE DELETE FROM {self.table};\n"  # TRUNCATE of the source
            "  END IF;\n  RETURN NULL;\nEND"
        )
        # (ALTER TABLE refuses to run while the transaction has deferred foreign-key checks pending: run them now)
        statements = ["SET CONSTRAINTS ALL IMMEDIATE"]
        statements += [f"CREATE OR REPLACE FUNCTION {self.name}() RETURNS trigger LANGUAGE plpgsql AS $$\n{body}\n$$"]
        for event, rows in _PG_TRIGGERS.items():
            trigger = f"{self.name}_{event.lower()}"
            if event == "UPDATE":
                referencing = "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
            elif rows:
                referencing = f"REFERENCING {'NEW' if event == 'INSERT' else 'OLD'} TABLE AS {rows} "
            else:
                referencing = ""
            statements += [
                f"DROP TRIGGER IF EXISTS {trigger} ON {self.source}",
                f"CREATE TRIGGER {trigger} AFTER {event} ON {self.source} {referencing}"
                f"FOR EACH STATEMENT EXECUTE FUNCTION {self.name}()",
                f"ALTER TABLE {self.source} ENABLE ALWAYS TRIGGER {trigger}",
            ]
        return statements

    def _sqlite_row(self, conn: Any, row: str, sign: str) -> str:
        r = f"{row}."
        return (
            f"INSERT INTO {self.table} ({self.columns}) SELECT {self._row_select(conn, r, sign)} "
            f"WHERE {self.counted.format(r=r)};"
        )

    def _sqlite_sql(self, conn: Any) -> list[str]:
        changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in self.watched)
        on = f"ON {self.source} BEGIN"
        return [
            f"CREATE TRIGGER {self.sqlite_name}_ai AFTER INSERT {on} {self._sqlite_row(conn, 'new', '')} END",
            f"CREATE TRIGGER {self.sqlite_name}_ad AFTER DELETE {on} {self._sqlite_row(conn, 'old', '-')} END",
            f"CREATE TRIGGER {self.sqlite_name}_au AFTER UPDATE OF {', '.join(self.watched)} ON {self.source} "
            f"WHEN {changed} BEGIN {self._sqlite_row(conn, 'old', '-')} {self._sqlite_row(conn, 'new', '')} END",
        ]

    def trigger_names(self, conn: Any) -> set[str]:
        if is_sqlite(conn):
            return {f"{self.sqlite_name}_{suffix}" for suffix in ("ai", "ad", "au")}
        return {f"{self.name}_{event.lower()}" for event in _PG_TRIGGERS}

    def triggers_create(self, *, using: Any = None) -> None:
        """The triggers (a migration passes its schema editor's connection), then the sums of the rows there."""
        conn = using or connection
        self.triggers_drop(using=conn)
        statements = self._sqlite_sql(conn) if is_sqlite(conn) else self._pg_sql(conn)
        with conn.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
        self.rebuild(using=conn)

    def triggers_drop(self, *, using: Any = None) -> None:
        conn = using or connection
        with conn.cursor() as cursor:
            for trigger in self.trigger_names(conn):
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}" + ("" if is_sqlite(conn) else f" ON {self.source}"))
            if not is_sqlite(conn):
                cursor.execute(f"DROP FUNCTION IF EXISTS {self.name}()")

    def triggers_ensure(self, *, using: str = "default", **_kwargs: Any) -> bool:
        """post_migrate: make the triggers again, and recount, if the source lost them (SQLite drops a table's
        triggers when a migration rebuilds it; a bulk load drops them) or they lack the `signature`. Returns
        whether they had to be made again. Does nothing before the kept table exists.

        `flush` sends post_migrate too: on SQLite it empties the tables one DELETE at a time in no fixed order, so
        when the kept table goes first the source's deletion leaves a − row for each of its rows. With no source
        row left, no sum is right but none."""
        from django.db import connections

        conn = connections[using]
        if self.table not in conn.introspection.table_names():
            return False
        with conn.cursor() as cursor:
            if is_sqlite(conn):
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [self.source]
                )
            else:
                cursor.execute(
                    "SELECT t.tgname, p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
                    "WHERE t.tgrelid = %s::regclass AND t.tgenabled = 'A'",
                    [self.source],
                )
            found = {name: source for name, source in cursor.fetchall()}
            cursor.execute(f"DELETE FROM {self.table} WHERE NOT EXISTS (SELECT 1 FROM {self.source})")
        names = self.trigger_names(conn)
        signature = self.signature() if self.signature else ""
        if names <= set(found) and all(signature in (found[n] or "") for n in names):
            return False
        self.triggers_create(using=conn)
        return True

    def rebuild(self, *, using: Any = None) -> None:
        """Recount every key from the source (after the migration, a bulk load, or as a repair)."""
        conn = using or connection
        key = ", ".join(self.key)
        sums = ", ".join(f"SUM({v})" for v in self.values)
        with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
            if not is_sqlite(conn):  # no source write may slip between the two statements
                cursor.execute(f"LOCK TABLE {self.source} IN SHARE MODE")
            cursor.execute(f"DELETE FROM {self.table}")
            cursor.execute(
                f"INSERT INTO {self.table} ({self.columns}) SELECT {key}, {sums} FROM (SELECT "
                f"{self._row_select(conn, '')} FROM {self.source} WHERE {self.counted.format(r='')}) AS s "
                f"GROUP BY {key} HAVING {self._nonzero()} ORDER BY {key}"  # a key's neighbours side by side
            )

    def compact(self) -> int:
        """Fold each key's rows into one (a key whose sums are zero into none); returns the rows left. Safe beside
        concurrent writers: on PostgreSQL one statement deletes the rows and inserts exactly their sums; on SQLite,
        whose writers take turns, the rows up to the highest id seen are folded."""
        key = ", ".join(self.key)
        many = f"({key}) IN (SELECT {key} FROM {self.table} %s GROUP BY {key} HAVING COUNT(*) > 1)"
        sums = ", ".join(f"SUM({v})" for v in self.values)
        folded = f"{sums} FROM %s GROUP BY {key} HAVING {self._nonzero()}"
        with transaction.atomic(), connection.cursor() as cursor:
            if is_sqlite(connection):
                cursor.execute(f"SELECT MAX(id) FROM {self.table}")
                top = int(cursor.fetchone()[0] or 0)
                chosen = f"WHERE id <= {top} AND {many % f'WHERE id <= {top}'}"
                cursor.execute(
                    f"INSERT INTO {self.table} ({self.columns}) SELECT {key}, {folded % f'{self.table} {chosen}'}"
                )
                cursor.execute(f"DELETE FROM {self.table} {chosen}")
            else:
                cursor.execute(
                    f"WITH gone AS (DELETE FROM {self.table} WHERE {many % ''} RETURNING {self.columns}) "
                    f"INSERT INTO {self.table} ({self.columns}) SELECT {key}, {folded % 'gone'}"
                )
            cursor.execute(f"SELECT COUNT(*) FROM {self.table}")
            return int(cursor.fetchone()[0])


@dataclass(frozen=True)
class KeptColumnTriggers:
    """The named triggers that keep a column from another table's (a contact's owner from its customer's, a deal's
    search text with its customer's): on PostgreSQL a function and a trigger of each name, on SQLite row triggers;
    each name with the table it is on. The module that keeps the column writes their SQL; this drops them and tells
    whether they are all there, for its post_migrate repair."""

    table: str  # the table holding the kept column
    column: str
    pg: dict[str, str]  # trigger (and function) name: its table
    sqlite: dict[str, str]

    def pg_sql(self, bodies: dict[str, str], triggers: list[str]) -> list[str]:
        """The PostgreSQL statements: each named plpgsql function from its body, the CREATE TRIGGERs, and each
        trigger enabled ALWAYS (a bulk load's `session_replication_role = replica` skips ordinary triggers)."""
        statements = ["SET CONSTRAINTS ALL IMMEDIATE"]  # (ALTER TABLE refuses to run with deferred checks pending)
        for name, body in bodies.items():
            statements.append(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n{body}\n$$")
        statements += triggers
        statements += [f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}" for name, table in self.pg.items()]
        return statements

    def names(self, conn: Any) -> dict[str, str]:
        return self.sqlite if is_sqlite(conn) else self.pg

    def drop(self, conn: Any) -> None:
        with conn.cursor() as cursor:
            for name, table in self.names(conn).items():
                if is_sqlite(conn):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                    continue
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")

    def column_ready(self, conn: Any) -> bool:
        """Whether the table has the kept column yet (post_migrate also runs before the migration that adds it)."""
        if self.table not in conn.introspection.table_names():
            return False
        with conn.cursor() as cursor:
            return self.column in {c.name for c in conn.introspection.get_table_description(cursor, self.table)}

    def found(self, conn: Any) -> dict[str, int]:
        """Every trigger on the tables involved, with its place in the order made (SQLite's sqlite_master rowid,
        which decides the order they fire in; 0 on PostgreSQL, where only those enabled ALWAYS count)."""
        tables = sorted(set(self.names(conn).values()))
        marks = ", ".join(["%s"] * len(tables))
        with conn.cursor() as cursor:
            if is_sqlite(conn):
                cursor.execute(
                    f"SELECT name, rowid FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks})", tables
                )
            else:
                cursor.execute(
                    "SELECT tgname, 0 FROM pg_trigger WHERE tgenabled = 'A' AND tgrelid IN "
                    f"(SELECT oid FROM pg_class WHERE relname IN ({marks}))",
                    tables,
                )
            return dict(cursor.fetchall())

    def present(self, conn: Any) -> bool:
        return set(self.names(conn)) <= set(self.found(conn))
