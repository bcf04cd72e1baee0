"""The customers of each owner, department and level kept by the database (issue 16 §7): how many owned live
customers there are per key, so that "customers by level" for a reader who sees every customer (the monthly report
for the company, a manager's dashboard) reads a few hundred rows instead of grouping every customer (1M at the
benchmark's size: about a second on SQLite).

Kept by triggers on the customers' table (core.dbvendor.kept, as the board's totals and the follow-ups' day counts):
every path that writes a customer — a service, the pool's reclaim UPDATE, a merge, an import, a bulk load —
changes the counts in the same transaction. A customer counts while it has an owner and is not in the recycle bin
(what the figure's grouped query counts for a reader who sees every customer). `customers/tests/
test_level_counts.py` checks the counts against the grouped query after random writes.
"""

# ruff: noqa: S608  (the SQL here is built from the constant names below; values are parameters)

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import connection

from guanxi.core.dbvendor.kept import KeptSums

TABLE = "customers_level_count"
CUSTOMERS = "customers_customer"
NO_DEPARTMENT = 0  # the key's department when the customer has none

LEVEL_COUNTS = KeptSums(
    table=TABLE,
    source=CUSTOMERS,
    key=("owner_id", "department_id", "level"),
    values=("n",),
    row=lambda conn: ["{r}owner_id", f"COALESCE({{r}}department_id, {NO_DEPARTMENT})", "{r}level", "1"],
    counted="{r}owner_id IS NOT NULL AND {r}deleted_at IS NULL",
    watched=("owner_id", "department_id", "level", "deleted_at"),
    name="gx_customer_level_counts",
    sqlite_name="gx_customer_level_counts",
)
# migration customers 0027 makes the triggers; post_migrate (customers.apps) makes them again where a table rebuild
# or a bulk load dropped them; a periodic job compacts
customer_level_counts_triggers_create = LEVEL_COUNTS.triggers_create
customer_level_counts_triggers_drop = LEVEL_COUNTS.triggers_drop
customer_level_counts_triggers_ensure = LEVEL_COUNTS.triggers_ensure
customer_level_counts_rebuild = LEVEL_COUNTS.rebuild
customer_level_counts_compact = LEVEL_COUNTS.compact

GROUPS = {"owner": "owner_id", "department": "department_id", "level": "level"}


def customer_level_counts(*, group_by: str, owners: Iterable[int] | None = None) -> dict[Any, Decimal] | None:
    """The owned live customers now, grouped as core.metrics.grouped groups them ("total", "owner", "department",
    "level", or two joined by "+": "owner+level"), from the kept counts; `owners` narrows to those people. None for
    a grouping the counts cannot answer."""
    parts = [] if group_by == "total" else group_by.split("+")
    if any(p not in GROUPS for p in parts):
        return None
    ids = None if owners is None else [int(o) for o in owners]
    if ids is not None and not ids:
        return {None: Decimal(0)} if not parts else {}
    where, params = "", []
    if ids is not None:
        where, params = f" WHERE owner_id IN ({', '.join(['%s'] * len(ids))})", ids
    columns = [GROUPS[p] for p in parts]
    select = ", ".join([*columns, "SUM(n)"])
    group = f" GROUP BY {', '.join(columns)}" if columns else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select} FROM {TABLE}{where}{group}", params)
        rows = cursor.fetchall()
    if not parts:
        return {None: Decimal(int(rows[0][0] or 0)) if rows else Decimal(0)}

    def key(row: tuple[Any, ...]) -> Any:
        keys = [None if p == "department" and k == NO_DEPARTMENT else k for p, k in zip(parts, row, strict=False)]
        return keys[0] if len(keys) == 1 else tuple(keys)

    return {key(row): Decimal(int(row[-1])) for row in rows if row[-1]}
