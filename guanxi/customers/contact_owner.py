"""A contact's owner is its customer's, kept on the contact by the database (issue 13 §2): the rep's contacts are then
read in the list's order from an index led by the owner, as the rep's customers are, instead of fetching the
18,000 contacts of his 9,000 customers by customer and sorting them (340 ms at a million customers).

Kept by triggers, so every path that changes a customer's owner (transfer, pool reclaim and claim, hand-over, bulk
updates, imports, merges, a plain UPDATE) or a contact's customer (a move, a merge) keeps it in the same statement:
- customers: after an UPDATE, the contacts of the customers whose owner changed take the new owner (PostgreSQL: one
  set-based UPDATE per statement from its transition tables; SQLite: per row);
- contacts: an inserted or updated contact takes its customer's owner, whatever the writer sent (a full `save()` of
  a contact read before its customer changed hands writes the old owner back).
`post_migrate` makes the triggers again, and sets every contact's owner, when a table lost them (a SQLite table
rebuild drops them). `customers/tests/test_contact_owner.py` compares the column with the customer's owner after
each path.
"""

# ruff: noqa: S608  (the SQL here is built from the constant names below; values are parameters)

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from guanxi.core.dbvendor import is_sqlite
from guanxi.core.dbvendor.kept import KeptColumnTriggers

CONTACTS = "customers_contact"
CUSTOMERS = "customers_customer"
_PG_CUSTOMER_FUNCTION = "gx_contact_owner_from_customers"
_PG_CONTACT_FUNCTION = "gx_contact_owner_of_contact"
_PG_TRIGGERS = {_PG_CUSTOMER_FUNCTION: CUSTOMERS, _PG_CONTACT_FUNCTION: CONTACTS}
TRIGGERS = KeptColumnTriggers(
    table=CONTACTS,
    column="owner_id",
    pg=_PG_TRIGGERS,
    sqlite={
        "gx_contact_owner_customer_au": CUSTOMERS,
        "gx_contact_owner_ai": CONTACTS,
        "gx_contact_owner_au": CONTACTS,
    },
)
_OWNER_OF_CUSTOMER = f"(SELECT owner_id FROM {CUSTOMERS} WHERE id = new.customer_id)"


def _pg_sql() -> list[str]:
    from_customers = (
        "BEGIN\n"
        f"  UPDATE {CONTACTS} AS ct SET owner_id = n.owner_id FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id\n"
        "  WHERE ct.customer_id = n.id AND n.owner_id IS DISTINCT FROM o.owner_id;\n"
        "  RETURN NULL;\nEND"
    )
    # a contact updated by the statement above (trigger depth 2) has its owner already
    of_contact = (
        "BEGIN\n"
        "  IF pg_trigger_depth() > 1 THEN RETURN NEW; END IF;\n"
        f"  NEW.owner_id := (SELECT owner_id FROM {CUSTOMERS} WHERE id = NEW.customer_id);\n"
        "  RETURN NEW;\nEND"
    )
    return TRIGGERS.pg_sql(
        {_PG_CUSTOMER_FUNCTION: from_customers, _PG_CONTACT_FUNCTION: of_contact},
        [
            f"CREATE TRIGGER {_PG_CUSTOMER_FUNCTION} AFTER UPDATE ON {CUSTOMERS} "
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {_PG_CUSTOMER_FUNCTION}()",
            f"CREATE TRIGGER {_PG_CONTACT_FUNCTION} BEFORE INSERT OR UPDATE OF customer_id, owner_id ON {CONTACTS} "
            f"FOR EACH ROW EXECUTE FUNCTION {_PG_CONTACT_FUNCTION}()",
        ],
    )


def _sqlite_sql() -> list[str]:
    set_owner = f"UPDATE {CONTACTS} SET owner_id = {_OWNER_OF_CUSTOMER} WHERE id = new.id;"
    return [
        f"CREATE TRIGGER gx_contact_owner_customer_au AFTER UPDATE OF owner_id ON {CUSTOMERS} "
        "WHEN old.owner_id IS NOT new.owner_id "
        f"BEGIN UPDATE {CONTACTS} SET owner_id = new.owner_id WHERE customer_id = new.id; END",
        f"CREATE TRIGGER gx_contact_owner_ai AFTER INSERT ON {CONTACTS} "
        f"WHEN new.owner_id IS NOT {_OWNER_OF_CUSTOMER} BEGIN {set_owner} END",
        f"CREATE TRIGGER gx_contact_owner_au AFTER UPDATE OF customer_id, owner_id ON {CONTACTS} "
        f"WHEN new.owner_id IS NOT {_OWNER_OF_CUSTOMER} BEGIN {set_owner} END",
    ]


def contact_owner_triggers_create(*, using: Any = None) -> None:
    """Every contact's owner, then the triggers (migration customers 0026: its schema editor's connection), in one
    transaction that no writer of either table enters (a trigger would make the rebuild's every row look its
    customer up again: minutes at two million contacts)."""
    conn = using or connection
    with transaction.atomic(using=conn.alias):
        contact_owner_triggers_drop(using=conn)
        if not is_sqlite(conn):
            with conn.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {CUSTOMERS}, {CONTACTS} IN SHARE ROW EXCLUSIVE MODE")
        contact_owner_rebuild(using=conn)
        with conn.cursor() as cursor:
            for sql in _sqlite_sql() if is_sqlite(conn) else _pg_sql():
                cursor.execute(sql)


def contact_owner_triggers_drop(*, using: Any = None) -> None:
    TRIGGERS.drop(using or connection)


def contact_owner_rebuild(*, using: Any = None) -> None:
    """Every contact's owner from its customer (after the migration, or as a repair)."""
    conn = using or connection
    differs = "IS NOT" if is_sqlite(conn) else "IS DISTINCT FROM"
    with conn.cursor() as cursor:
        cursor.execute(
            f"UPDATE {CONTACTS} SET owner_id = c.owner_id FROM {CUSTOMERS} AS c "
            f"WHERE c.id = {CONTACTS}.customer_id AND {CONTACTS}.owner_id {differs} c.owner_id"
        )


def contact_owner_triggers_ensure(*, using: str = "default", **_kwargs: Any) -> bool:
    """post_migrate: make the triggers again, and set every contact's owner, if a table lost them. Returns whether
    they had to be made again. Does nothing before the contacts have the column."""
    from django.db import connections

    conn = connections[using]
    if not TRIGGERS.column_ready(conn) or TRIGGERS.present(conn):
        return False
    contact_owner_triggers_create(using=conn)
    return True
