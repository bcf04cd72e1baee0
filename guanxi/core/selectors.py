"""Reads that span apps, through the providers each app registers (DESIGN.md: dependencies point down)."""

from __future__ import annotations

from typing import Any

from .errors import PermissionDeniedError
from .registry import registry


def global_search(*, user: Any, query: str, limit: int = 8) -> list[dict[str, Any]]:
    """Results from every registered search source the user may use, grouped by source."""
    groups: list[dict[str, Any]] = []
    if not query.strip():
        return groups
    for source in registry.search:
        try:
            hits = source.search(user=user, query=query, limit=limit)
        except PermissionDeniedError:  # a module the user may not see simply gives no group
            continue
        if hits:
            groups.append({"key": source.key, "label": source.label, "hits": hits})
    return groups
