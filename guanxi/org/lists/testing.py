"""Test helpers for lists built on the toolkit (import from any app's tests: org is below every app)."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def row_ids(response: Any) -> list[int]:
    """The ids of the rows a toolkit list page shows, in order (from `data-gx-id` in #list-rows)."""
    html = response.content.decode()
    if 'id="list-rows"' not in html:
        return []
    body = html.split('id="list-rows"', 1)[1].split("</tbody>", 1)[0]
    return [int(pk) for pk in re.findall(r'<tr data-gx-id="(\d+)"', body)]


def render_list(
    client: Client,
    url: str,
    params: dict[str, Any] | None = None,
    *,
    rows: int | None = None,
    max_queries: int | None = None,
) -> Any:
    """GET a toolkit list page (once to warm per-process caches, once measured) and check it: 200, the number
    of rows shown when `rows` is given, at most `max_queries` queries when given. Returns the response."""
    client.get(url, params or {})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.status_code
    if rows is not None:
        assert len(row_ids(response)) == rows, (row_ids(response), rows)
    if max_queries is not None:
        assert len(ctx.captured_queries) <= max_queries, "\n".join(q["sql"][:200] for q in ctx.captured_queries)
    response.query_count = len(ctx.captured_queries)
    return response


def query_count(client: Client, url: str, params: dict[str, Any] | None = None) -> int:
    """Queries of one list page view (after a warm-up view): compare with more rows to prove it does not grow."""
    return render_list(client, url, params).query_count


def query_plan(qs: Any) -> str:
    """The database's plan for a queryset. On PostgreSQL sequential scans, sorts and hash aggregates are priced out
    first: a test's few rows would make any plan cheap, and the question is whether an index *can* give the rows
    (or the groups) in order."""
    if connection.vendor != "postgresql":
        return str(qs.explain())
    # Bitmap scans and incremental sorts are priced out too: neither gives rows in order by itself, and with few
    # rows PostgreSQL otherwise may pick one and add a sort in spite of enable_sort.
    switches = ("enable_seqscan", "enable_sort", "enable_hashagg", "enable_bitmapscan", "enable_incremental_sort")
    with connection.cursor() as cursor:
        for switch in switches:
            cursor.execute(f"SET {switch} = off")
    try:
        return str(qs.explain())
    finally:
        with connection.cursor() as cursor:
            for switch in switches:
                cursor.execute(f"RESET {switch}")


def assert_sorted_by_index(qs: Any, index: str, *others: str) -> None:
    """The queryset's rows come in order from `index` (or one of `others` serving the same order, which SQLite may
    prefer): the plan reads it, and sorts nothing itself (SQLite: no "TEMP B-TREE FOR ORDER BY"; PostgreSQL: no
    Sort or Incremental Sort node)."""
    plan = query_plan(qs)
    assert any(name in plan for name in (index, *others)), plan
    assert "TEMP B-TREE" not in plan and "Sort  (" not in plan, plan
