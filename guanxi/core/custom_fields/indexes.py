"""Database indexes on custom values that list filters use: one per filterable, active field (an expression index
on the field's text in the JSON column), created when an administrator marks a field filterable and dropped when
they unmark or retire it. The vendor SQL is core.dbvendor's (json_key_index_*).

The index is built after the configuration change commits (on PostgreSQL without locking writes), so a slow build
on a large table never holds the settings page's transaction."""

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps
from django.db import DatabaseError, connection, transaction

from .. import dbvendor
from .models import CustomField

log = logging.getLogger(__name__)
COLUMN = "custom"


def text_expression(code: str) -> Any:
    """The text of a field's value, as list filters read it and its index stores it."""
    return dbvendor.JsonKeyText(COLUMN, code)


def index_key(code: str) -> str:
    return f"{COLUMN}_{code}"


def custom_field_index_apply(*, target: str, code: str, wanted: bool) -> bool:
    """Create (wanted) or drop the index of one field now; False when the database refused (logged)."""
    model = apps.get_model(target)
    try:
        if wanted:
            dbvendor.expression_index_create(
                connection, model=model, key=index_key(code), expression=text_expression(code)
            )
        else:
            dbvendor.expression_index_drop(connection, model=model, key=index_key(code))
    except DatabaseError:
        log.exception("custom field index of %s.%s could not be %s", target, code, "built" if wanted else "dropped")
        return False
    return True


def custom_field_index_exists(*, target: str, code: str) -> bool:
    return dbvendor.expression_index_exists(connection, model=apps.get_model(target), key=index_key(code))


def custom_field_index_sync(row: CustomField) -> None:
    """After the change commits, make the field's index follow its `filterable` and `is_active` flags."""
    target, code, wanted = row.target, row.code, bool(row.filterable and row.is_active)
    transaction.on_commit(lambda: custom_field_index_apply(target=target, code=code, wanted=wanted))


def custom_field_indexes_restore() -> int:
    """Build every index a filterable, active field should have and the database lacks (after a migration rebuilt
    its table); returns how many were built."""
    if CustomField._meta.db_table not in connection.introspection.table_names():
        return 0
    built = 0
    for row in CustomField.objects.filter(filterable=True, is_active=True):
        try:
            missing = not custom_field_index_exists(target=row.target, code=row.code)
        except LookupError:  # the field's model belongs to an app no longer installed
            continue
        if missing and custom_field_index_apply(target=row.target, code=row.code, wanted=True):
            built += 1
    return built
