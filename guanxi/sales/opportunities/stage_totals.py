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

from django.db import connection

from guanxi.core.dbvendor import is_sqlite
from guanxi.core.dbvendor.kept import KeptSums

TABLE = "sales_opportunity_stage_total"
DEALS = "sales_opportunity"


def _deal_row(conn: Any) -> list[str]:
    # whole cents: exact on SQLite too, where a decimal column holds a float
    cents = "CAST(ROUND({r}amount * 100) AS INTEGER)" if is_sqlite(conn) else "{r}amount * 100"
    return ["{r}pipeline_id", "{r}stage_id", "{r}owner_id", "1", cents, f"{cents} * {{r}}probability"]


STAGE_TOTALS = KeptSums(
    table=TABLE,
    source=DEALS,
    key=("pipeline_id", "stage_id", "owner_id"),
    values=("n", "amount_cents", "weighted_cents"),
    row=_deal_row,
    counted="{r}status = 'open' AND {r}deleted_at IS NULL",  # Opportunity.Status.OPEN, not in the recycle bin
    watched=("pipeline_id", "stage_id", "owner_id", "amount", "probability", "status", "deleted_at"),
    name="gx_opportunity_stage_totals",
    sqlite_name="gx_stage_totals",
)
# migration sales 0018 makes the triggers; post_migrate (sales.apps) makes them again where a table rebuild or a
# bulk load dropped them; a periodic job compacts
stage_totals_triggers_create = STAGE_TOTALS.triggers_create
stage_totals_triggers_drop = STAGE_TOTALS.triggers_drop
stage_totals_triggers_ensure = STAGE_TOTALS.triggers_ensure
stage_totals_rebuild = STAGE_TOTALS.rebuild
stage_totals_compact = STAGE_TOTALS.compact


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
