"""Several searches' index probes in one query (the global search asks a dozen sources at once).

On SQLite search_filter first asks whether a match is common (`_fts_match_is_common`: one quick count) before it
reads the search index, one query a table. Inside `shared_search_probes()` every answer is remembered, and
`search_probes_prefetch` asks, in one SELECT, all the probes the coming searches will need, so each search then
finds its answer already there. The answers only choose the plan (index or LIKE); the LIKE decides the rows, so the
results are the same whether an answer was asked alone, ahead or not at all. PostgreSQL asks no probes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from . import SHARED_PROBES, _sqlite_fts_ready, common_divisor, common_probe_sql, is_sqlite, sqlite_matches

if TYPE_CHECKING:
    from django.db.models import Model

# (model, column, terms): a search_filter the caller is about to run
ProbeTarget = tuple["type[Model]", str, Sequence[str]]


@contextmanager
def shared_search_probes() -> Iterator[None]:
    """Within the block, a probe answered once (or prefetched) is not asked again."""
    token = SHARED_PROBES.set({} if SHARED_PROBES.get() is None else SHARED_PROBES.get())
    try:
        yield
    finally:
        SHARED_PROBES.reset(token)


def search_probes_prefetch(targets: Iterable[ProbeTarget], *, using: str = "default") -> int:
    """Ask in one query the probes search_filter would ask for each target; returns how many were asked.
    Outside shared_search_probes, or on a database without probes, it does nothing."""
    from django.db import connections

    shared = SHARED_PROBES.get()
    connection = connections[using]
    if shared is None or not is_sqlite(connection):
        return 0
    wanted: dict[tuple[str, str, str, int], tuple[str, str]] = {}
    for model, column, terms in targets:
        for name, match in sqlite_matches(model, column, terms):
            key = (connection.alias, name, match, common_divisor(name))
            if key in shared or key in wanted or not _sqlite_fts_ready(connection, name):
                continue
            wanted[key] = (common_probe_sql(connection, model, name, common_divisor(name)), match)
    if not wanted:
        return 0
    sql = "SELECT " + ", ".join(f"({expression})" for expression, _match in wanted.values())
    params: list[Any] = [match for _expression, match in wanted.values()]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    shared.update((key, bool(answer)) for key, answer in zip(wanted, row, strict=True))
    return len(wanted)
