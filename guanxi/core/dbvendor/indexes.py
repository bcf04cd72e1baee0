"""Indexes Django creates that a table's queries never use, dropped where they cost every write (PostgreSQL).

A hot table pays for each of its indexes on every insert and on every update of an indexed column (a customer
returned to the pool changes five indexed columns: no HOT update, one new entry per index). Two kinds are pure cost:

- the `varchar_pattern_ops` twin (`…_like`) PostgreSQL's backend adds beside the index of an indexed text column, for
  `LIKE 'x%'`: the dictionary codes and statuses are compared with "=" and IN only;
- the single-column index of a foreign key that leads a composite index of the same table: the composite serves the
  same lookups (and the cascade checks of a deleted user or department).

The names are the ones Django gave them (`schema_editor._create_index_name`), so a later migration of the field drops
or makes them as if nothing had happened (`DROP INDEX IF EXISTS`). SQLite has no twins and keeps its FK indexes
(they are small there and its planner picks the narrow one for the owner scope).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def _names(schema_editor: Any, model: Any, *, like_twins: Iterable[str], covered: Iterable[str]) -> list[str]:
    table = model._meta.db_table
    named = [
        schema_editor._create_index_name(table, [model._meta.get_field(f).column], suffix="_like") for f in like_twins
    ]
    return named + [schema_editor._create_index_name(table, [model._meta.get_field(f).column]) for f in covered]


def unused_indexes_drop(schema_editor: Any, model: Any, *, like_twins: Iterable[str] = (), covered: Iterable[str] = ()):
    """Drop `model`'s `…_like` twins of the fields `like_twins` and the single-column indexes of `covered`."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in _names(schema_editor, model, like_twins=like_twins, covered=covered):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def unused_indexes_restore(
    schema_editor: Any, model: Any, *, like_twins: Iterable[str] = (), covered: Iterable[str] = ()
) -> None:
    """The reverse: the indexes as Django makes them."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for field in like_twins:
        schema_editor.execute(schema_editor._create_like_index_sql(model, model._meta.get_field(field)))
    for field in covered:
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[model._meta.get_field(field)]))
