"""Database-specific speed-ups behind one small interface, with a portable fallback (DESIGN.md)."""

from __future__ import annotations

import logging
from typing import Any

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
        except Exception as exc:  # e.g. no privilege to create the extension
            cur.execute("ROLLBACK TO SAVEPOINT gx_trgm")
            log.warning("could not create trigram index %s: %s", name, exc)


def trigram_index_drop(schema_editor: Any, *, name: str) -> None:
    if is_postgresql(schema_editor.connection):
        with schema_editor.connection.cursor() as cur:
            cur.execute(f'DROP INDEX IF EXISTS "{name}"')
