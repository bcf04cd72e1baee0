"""A deal is found by its customer's search text as well as by its own (issue 13 §1), through one column: the deal's
`search_text` is its own text (`own_search_text`: name and custom text fields, written by the services) followed
by its customer's search text, kept by the database. A rep's deal search then reads the deal's own search indexes
narrowed by his deals, where it joined each of his deals to its customer (172 ms for one character at a million
customers).

Kept by triggers, so every path keeps it in the writing statement:
- deals: an inserted deal, or one whose own text or customer changes (an edit, a move, a merge, a full `save()` of
  a deal read before its customer was renamed), takes its own text and its customer's;
- customers: when a customer's search text changes (a rename, a new phone, a custom text field), its deals take the
  new one.
Terms never hold a space, and the two texts are joined by one, so a term is found in the column exactly when it is in
the deal's own text or in its customer's (cut, like every search text, at SEARCH_TEXT_MAX).

SQLite fires the most recently made trigger of a table first. The deals' triggers here update the row they fire
for, so the deal's search index triggers (core.dbvendor: FTS trigram and token tables) must fire before them and
see the row as the statement wrote it; they are therefore made again after these, and `post_migrate` checks that
order as well as the triggers' presence. `sales/tests/test_customer_text.py` compares the column with
the two texts after each path, and the search indexes with LIKE.
"""

# ruff: noqa: S608  (the SQL here is built from the constant names below; values are parameters)

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.db import connection, transaction

from guanxi.core.dbvendor import is_sqlite, search_fts_name, search_index_create, search_token_name
from guanxi.core.dbvendor.kept import KeptColumnTriggers
from guanxi.core.search import SEARCH_TEXT_MAX

DEALS = "sales_opportunity"
CUSTOMERS = "customers_customer"
_PG_DEAL_FUNCTION = "gx_deal_text_of_deal"
_PG_CUSTOMER_FUNCTION = "gx_deal_text_from_customer"
_PG_TRIGGERS = {_PG_DEAL_FUNCTION: DEALS, _PG_CUSTOMER_FUNCTION: CUSTOMERS}
_SQLITE_TRIGGERS = {"gx_deal_text_customer_au": CUSTOMERS, "gx_deal_text_ai": DEALS, "gx_deal_text_au": DEALS}
TRIGGERS = KeptColumnTriggers(table=DEALS, column="own_search_text", pg=_PG_TRIGGERS, sqlite=_SQLITE_TRIGGERS)


def composed_sql(own: str, customer: str) -> str:
    """SQL (either database) for a deal's search text from its own text and its customer's (column references)."""
    return f"substr(trim(coalesce({own}, '') || ' ' || coalesce({customer}, '')), 1, {SEARCH_TEXT_MAX:d})"


def composed_text(own: str | None, customer: str | None) -> str:
    """composed_sql in Python, for a bulk writer that fills the column itself (the triggers are off meanwhile)."""
    return f"{own or ''} {customer or ''}".strip(" ")[:SEARCH_TEXT_MAX]


def _of_customer(customer_id: str) -> str:
    return f"(SELECT search_text FROM {CUSTOMERS} WHERE id = {customer_id})"


def _pg_sql() -> list[str]:
    of_deal = (
        "BEGIN\n"
        f"  NEW.search_text := {composed_sql('NEW.own_search_text', _of_customer('NEW.customer_id'))};\n"
        "  RETURN NEW;\nEND"
    )
    from_customer = (
        "BEGIN\n"
        f"  UPDATE {DEALS} SET search_text = {composed_sql('own_search_text', 'NEW.search_text')}\n"
        "  WHERE customer_id = NEW.id;\n"
        "  RETURN NULL;\nEND"
    )
    return TRIGGERS.pg_sql(
        {_PG_DEAL_FUNCTION: of_deal, _PG_CUSTOMER_FUNCTION: from_customer},
        [
            # (a column list leaves out the writes that cannot change the text: a stage move, the pool's reclaim)
            f"CREATE TRIGGER {_PG_DEAL_FUNCTION} BEFORE INSERT OR UPDATE OF own_search_text, customer_id, search_text "
            f"ON {DEALS} FOR EACH ROW EXECUTE FUNCTION {_PG_DEAL_FUNCTION}()",
            f"CREATE TRIGGER {_PG_CUSTOMER_FUNCTION} AFTER UPDATE OF search_text ON {CUSTOMERS} FOR EACH ROW "
            f"WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text) EXECUTE FUNCTION {_PG_CUSTOMER_FUNCTION}()",
        ],
    )


def _sqlite_sql() -> list[str]:
    composed = composed_sql("new.own_search_text", _of_customer("new.customer_id"))
    set_text = f"UPDATE {DEALS} SET search_text = {composed} WHERE id = new.id;"
    return [
        f"CREATE TRIGGER gx_deal_text_customer_au AFTER UPDATE OF search_text ON {CUSTOMERS} "
        "WHEN old.search_text IS NOT new.search_text "
        f"BEGIN UPDATE {DEALS} SET search_text = {composed_sql('own_search_text', 'new.search_text')} "
        "WHERE customer_id = new.id; END",
        f"CREATE TRIGGER gx_deal_text_ai AFTER INSERT ON {DEALS} WHEN new.search_text IS NOT {composed} "
        f"BEGIN {set_text} END",
        f"CREATE TRIGGER gx_deal_text_au AFTER UPDATE OF own_search_text, customer_id, search_text ON {DEALS} "
        f"WHEN new.search_text IS NOT {composed} BEGIN {set_text} END",
    ]


def _sqlite_search_triggers() -> set[str]:
    """The triggers of the deals' search indexes on SQLite (core.dbvendor), which must fire before these."""
    names = (search_fts_name(DEALS, "search_text"), search_token_name(DEALS, "search_text"))
    return {f"{name}_{suffix}" for name in names for suffix in ("ai", "ad", "au")}


def deal_customer_text_triggers_create(*, using: Any = None) -> None:
    """Every deal's search text, then the triggers (migration sales 0022: its schema editor's connection), in one
    transaction that no writer of either table enters. On SQLite the deals' search index triggers are made again
    after these, and the indexes refilled (the texts changed without them)."""
    conn = using or connection
    with transaction.atomic(using=conn.alias):
        deal_customer_text_triggers_drop(using=conn)
        with conn.cursor() as cursor:
            if is_sqlite(conn):
                for name in _sqlite_search_triggers():
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            else:
                cursor.execute(f"LOCK TABLE {CUSTOMERS}, {DEALS} IN SHARE ROW EXCLUSIVE MODE")
        deal_customer_text_rebuild(using=conn)
        with conn.cursor() as cursor:
            for sql in _sqlite_sql() if is_sqlite(conn) else _pg_sql():
                cursor.execute(sql)
        if is_sqlite(conn):
            # made after this module's triggers, so they fire first; refilled from the texts just written
            search_index_create(SimpleNamespace(connection=conn), table=DEALS, column="search_text")


def deal_customer_text_triggers_drop(*, using: Any = None) -> None:
    TRIGGERS.drop(using or connection)


def deal_customer_text_rebuild(*, using: Any = None) -> int:
    """Every deal's search text from its own text and its customer's (after the migration, a bulk load, or as a
    repair); returns the number of deals that changed."""
    conn = using or connection
    differs = "IS NOT" if is_sqlite(conn) else "IS DISTINCT FROM"
    composed = composed_sql(f"{DEALS}.own_search_text", "c.search_text")
    with conn.cursor() as cursor:
        cursor.execute(
            f"UPDATE {DEALS} SET search_text = {composed} FROM {CUSTOMERS} AS c "
            f"WHERE c.id = {DEALS}.customer_id AND {DEALS}.search_text {differs} {composed}"
        )
        return cursor.rowcount


def _sqlite_triggers_in_order(found: dict[str, int]) -> bool:
    """Whether this module's triggers are all there and older than the deals' search index triggers (which then
    fire first: SQLite fires a table's triggers newest first, and sqlite_master keeps them in the order made)."""
    if not set(_SQLITE_TRIGGERS) <= set(found):
        return False
    ours = max(found[name] for name in _SQLITE_TRIGGERS)
    return all(found[name] > ours for name in _sqlite_search_triggers() if name in found)


def deal_customer_text_triggers_ensure(*, using: str = "default", **_kwargs: Any) -> bool:
    """post_migrate: make the triggers again, and set every deal's search text, if a table lost them (or, on
    SQLite, if the search index triggers were made before them). Returns whether they had to be made again. Does
    nothing before the deals have the column."""
    from django.db import connections

    conn = connections[using]
    if not TRIGGERS.column_ready(conn):
        return False
    if _sqlite_triggers_in_order(TRIGGERS.found(conn)) if is_sqlite(conn) else TRIGGERS.present(conn):
        return False
    deal_customer_text_triggers_create(using=conn)
    return True
