"""Reads that span apps, through the providers each app registers (DESIGN.md: dependencies point down)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .dbvendor.probes import search_probes_prefetch, shared_search_probes
from .errors import PermissionDeniedError
from .registry import registry
from .search_rows import source_rows


def global_search(*, user: Any, query: str, limit: int = 8) -> list[dict[str, Any]]:
    """Results from every registered search source the user may use, grouped by source: the sources that give their
    rows as a queryset are all read in one query (core.search_rows), the others each on their own."""
    if not query.strip():
        return []
    hits: dict[str, list[dict[str, Any]]] = {}
    together: list[tuple[Any, QuerySet[Any]]] = []
    with shared_search_probes():
        # every source's search-index probes in one query, rather than one or two a source (SQLite)
        search_probes_prefetch(
            target for source in registry.search if source.probes for target in source.probes(user=user, query=query)
        )
        for source in registry.search:
            try:
                if source.rows is None:
                    hits[source.key] = source.search(user=user, query=query, limit=limit)
                    continue
                rows = source.rows(user=user, query=query, limit=limit)
            except PermissionDeniedError:  # a module the user may not see simply gives no group
                continue
            if isinstance(rows, QuerySet):
                together.append((source, rows))
            else:
                hits[source.key] = [source.hit(row) for row in rows]  # type: ignore[misc]
        found = source_rows((rows, source.fields) for source, rows in together)
    for (source, _rows), objs in zip(together, found, strict=True):
        hits[source.key] = [source.hit(obj) for obj in objs]
    return [
        {"key": source.key, "label": source.label, "hits": hits[source.key]}
        for source in registry.search
        if hits.get(source.key)
    ]
