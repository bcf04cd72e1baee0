"""Database indexes on custom values that list filters use: one per filterable, active field (an expression index
on the JSON value), created when an administrator marks a field filterable and dropped when they unmark or retire
it. The vendor SQL is core.dbvendor's."""

from __future__ import annotations

from .models import CustomField


def custom_field_index_sync(row: CustomField) -> None:
    """Nothing yet: filters on custom fields come with the list toolkit's support for them."""
    return None
