"""Expression indexes: the index of an ORM expression (the text of one key of a JSON column: the custom fields a list
filters on), compiled exactly as the queries that filter on it, on both databases."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import F, Func, Model, TextField

from . import is_postgresql


def expression_index_name(table: str, key: str) -> str:
    """A stable index name within both databases' limits (PostgreSQL: 63 characters)."""
    import hashlib

    digest = hashlib.sha256(f"{table}.{key}".encode()).hexdigest()[:8]
    return f"gx_{table[:24]}_{key[:20]}_{digest}"


def expression_index_create(connection: Any, *, model: type[Model], key: str, expression: Any) -> str:
    """Index `expression` (an ORM expression, compiled exactly as the queries that filter on it are) on the model's
    table, e.g. the text of one key of a JSON column (JsonKeyText: PostgreSQL `(custom ->> 'code')`, SQLite
    `json_extract(custom, '$."code"')`). Idempotent; on PostgreSQL outside a transaction it is built
    CONCURRENTLY (no write lock on a large table). Returns the index name."""
    from django.db.models import Index

    index = Index(expression, name=expression_index_name(model._meta.db_table, key))
    editor = connection.schema_editor(collect_sql=True)
    sql = str(index.create_sql(model, editor))
    concurrently = is_postgresql(connection) and not connection.in_atomic_block
    sql = sql.replace("CREATE INDEX ", "CREATE INDEX CONCURRENTLY IF NOT EXISTS " if concurrently else
                      "CREATE INDEX IF NOT EXISTS ", 1)  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql)
    return str(index.name)


def expression_index_drop(connection: Any, *, model: type[Model], key: str) -> None:
    name = expression_index_name(model._meta.db_table, key)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")


def expression_index_exists(connection: Any, *, model: type[Model], key: str) -> bool:
    name = expression_index_name(model._meta.db_table, key)
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return name in constraints


_JSON_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class JsonKeyText(Func):
    """The text of one key of a JSON column, with the key written into the SQL (not a bound parameter), so that a
    query's expression is the very one of the expression index built on it (SQLite matches an index only on a
    literal path): PostgreSQL `(column ->> 'key')`, SQLite `json_extract(column, '$."key"')`. Keys are codes
    (lowercase letters, digits, "_"), checked here."""

    output_field = TextField()

    def __init__(self, column: str, key: str) -> None:
        if not _JSON_KEY.match(key):
            raise ValueError(f"not a custom field code: {key!r}")
        self.key = key
        super().__init__(F(column))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column_sql, params = compiler.compile(self.source_expressions[0])
        if is_postgresql(connection):
            return f"({column_sql} ->> '{self.key}')", list(params)
        return f"json_extract({column_sql}, '$.\"{self.key}\"')", list(params)
