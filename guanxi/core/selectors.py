"""Reads that span apps, through the providers each app registers (DESIGN.md: dependencies point down)."""

from __future__ import annotations

from typing import Any

from .dbvendor.probes import search_probes_prefetch, shared_search_probes
from .errors import PermissionDeniedError
from .registry import registry


def global_search(*, user: Any, query: str, limit: int = 8) -> list[dict[str, Any]]:
    """Results from every registered search source the user may use, grouped by source."""
    groups: list[dict[str, Any]] = []
    if not query.strip():
        return groups
    with shared_search_probes():
        # every source's search-index probes in one query, rather than one or two a source (SQLite)
        search_probes_prefetch(
            target for source in registry.search if source.probes for target in source.probes(user=user, query=query)
        )
        for source in registry.search:
            try:
                hits = source.search(user=user, query=query, limit=limit)
            except PermissionDeniedError:  # a module the user may not see simply gives no group
                continue
            if hits:
                groups.append({"key": source.key, "label": source.label, "hits": hits})
    return groups
