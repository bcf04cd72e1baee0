"""Benchmark of custom fields (issue 14): a filter on a custom field against the same filter on a built-in field.

Every customer gets a custom value `tier` equal to its built-in `level` (one UPDATE), the field is defined and
marked filterable (its expression index built, as the settings page does), then the same question is timed both
ways, and the two answers must hold the same rows:

- the query: count and first page of customers whose level is A (`level = 'A'`) against whose custom tier is A
  (`CAST(json_extract(custom, '$."tier"') AS text) = 'A'` / `((custom ->> 'tier'))::text = 'A'`), each with its
  index;
- the list page: /customers/?scene=all&level=A against /customers/?scene=all&cf_tier=A (the shared list toolkit,
  data scope all), as a manager.

- the search: one customer in a hundred gets a custom text `ref_code` ("kfq<id>"), which the search text holds as
  the services put it there; the customers search (the list's `q`, through the search index) for one such code,
  count and first page, against the same LIKE in raw SQL; and the list page /customers/?scene=all&q=<code>.

Every query is also timed as raw SQL in the same run, and the log prints each ratio (ORM / raw SQL). The cases run in
the default run (and so in `make bench-pg`, 1M customers on PostgreSQL) after the other cases, as they write the
custom values; `--only custom_fields` runs them alone:

    python -m bench.run --only custom_fields --customers 20000 --follow-ups 1000 --opportunities 0

The issue's goal is a custom filter within 2x the built-in one; the log prints the ratio of the medians. Measured
on SQLite, 10,000 customers (a shared 2-core machine, 2026-12-06): query 1.57 ms built-in, 1.70 ms custom (1.08);
list page 114.6 ms against 115.1 ms (1.00). Before the filter's expression matched the index (a bound JSON path)
the query was 4.25x: the index is what keeps it within the goal.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

CODE = "tier"
SEARCHED = "ref_code"  # a custom text field search finds customers by
EVERY = 100  # one customer in EVERY carries a ref_code


def _median_ms(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    answer = run()  # warm
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        answer = run()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2), answer


def _prepare(log: Callable[[str], None]) -> None:
    from django.db import connection

    from guanxi.core.custom_fields import definitions
    from guanxi.core.custom_fields.indexes import custom_field_index_apply
    from guanxi.core.custom_fields.models import CustomField
    from guanxi.customers.models import Customer

    table = Customer._meta.db_table
    build = "jsonb_build_object('tier', level)" if connection.vendor == "postgresql" else "json_object('tier', level)"
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET custom = {build}")  # noqa: S608 (fixed names)
    log(f"  custom values written in {time.perf_counter() - start:.1f}s")
    # the searched text field, on one customer in EVERY, appended to the search text as the services write it
    if connection.vendor == "postgresql":
        ref = f"custom = custom || jsonb_build_object('{SEARCHED}', 'kfq' || id)"
    else:
        ref = f"custom = json_set(custom, '$.{SEARCHED}', 'kfq' || id)"
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {ref}, search_text = search_text || ' kfq' || id WHERE id % {EVERY} = 0"  # noqa: S608
        )
    log(f"  searched values written in {time.perf_counter() - start:.1f}s")
    CustomField.objects.update_or_create(
        target="customers.customer",
        code=CODE,
        defaults={"type": "text", "label_zh": "层级", "label_en": "Tier", "filterable": True},
    )
    CustomField.objects.update_or_create(
        target="customers.customer",
        code=SEARCHED,
        defaults={"type": "text", "label_zh": "客户编号", "label_en": "Reference code"},
    )
    definitions.drop_local_copy()
    start = time.perf_counter()
    custom_field_index_apply(target="customers.customer", code=CODE, wanted=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else f"ANALYZE {table}")
    log(f"  index built and statistics updated in {time.perf_counter() - start:.1f}s")


def run_custom_field_cases(*, repeat: int, log: Callable[[str], None]) -> list[dict[str, Any]]:
    from django.test import Client

    from guanxi.core.custom_fields.indexes import text_expression
    from guanxi.customers.models import Customer
    from guanxi.org.models import User

    log("Custom fields: preparing (values, definition, index)…")
    _prepare(log)
    live = Customer.objects.filter(deleted_at__isnull=True)

    def builtin() -> tuple[int, list[int]]:
        qs = live.filter(level="A")
        return qs.count(), list(qs.order_by("-id").values_list("id", flat=True)[:50])

    def custom() -> tuple[int, list[int]]:
        qs = live.alias(cf=text_expression(CODE)).filter(cf="A")
        return qs.count(), list(qs.order_by("-id").values_list("id", flat=True)[:50])

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="chenjing"))

    def page(query: str) -> Callable[[], int]:
        def get() -> int:
            response = client.get(f"/customers/?scene=all&{query}")
            assert response.status_code == 200, response.status_code
            return len(response.content)

        return get

    table = Customer._meta.db_table
    tier_sql = _tier_sql()

    def custom_raw() -> tuple[int, list[int]]:
        return _raw(
            f"SELECT COUNT(*) FROM {table} WHERE deleted_at IS NULL AND {tier_sql} = %s",  # noqa: S608
            f"SELECT id FROM {table} WHERE deleted_at IS NULL AND {tier_sql} = %s ORDER BY id DESC LIMIT 50",  # noqa: S608
            ["A"],
        )

    target = Customer.objects.filter(deleted_at__isnull=True, custom__has_key=SEARCHED).order_by("id").last()
    token = f"kfq{target.pk}" if target is not None else "kfq0"
    by_name = quote(target.name if target is not None else "")

    def searched() -> tuple[int, list[int]]:
        from guanxi.customers.filters import apply_search

        qs = apply_search(live, token)
        return qs.count(), list(qs.order_by("-id").values_list("id", flat=True)[:50])

    def searched_raw() -> tuple[int, list[int]]:
        like = f"%{token}%"
        return _raw(
            f"SELECT COUNT(*) FROM {table} WHERE deleted_at IS NULL AND search_text LIKE %s",  # noqa: S608
            f"SELECT id FROM {table} WHERE deleted_at IS NULL AND search_text LIKE %s ORDER BY id DESC LIMIT 50",  # noqa: S608
            [like],
        )

    results = []
    for name, a, b in (
        ("filter query: count + first 50 (built-in level)", builtin, custom),
        ("filter query: count + first 50 (raw SQL)", custom_raw, custom),
        ("search query: count + first 50 (raw SQL LIKE)", searched_raw, searched),
        ("list page /customers/ filter (built-in level)", page("level=A"), page(f"cf_{CODE}=A")),
        ("list page /customers/ search (the customer's name)", page(f"q={by_name}"), page(f"q={token}")),
    ):
        base_ms, base_answer = _median_ms(a, repeat)
        custom_ms, custom_answer = _median_ms(b, repeat)
        same = base_answer == custom_answer if "query" in name else True
        ratio = round(custom_ms / base_ms, 2) if base_ms else None
        results.append({"case": name, "base_ms": base_ms, "custom_ms": custom_ms, "ratio": ratio, "rows_match": same})
        log(f"  {name}: base {base_ms} ms, custom {custom_ms} ms, ratio {ratio} (same rows: {same})")
    return results


def _tier_sql() -> str:
    """The filter's expression as the index holds it, written by hand."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"(custom ->> '{CODE}')"
    return f"json_extract(custom, '$.\"{CODE}\"')"


def _raw(count_sql: str, page_sql: str, params: list[Any]) -> tuple[int, list[int]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(count_sql, params)
        count = int(cursor.fetchone()[0])
        cursor.execute(page_sql, params)
        return count, [int(r[0]) for r in cursor.fetchall()]
