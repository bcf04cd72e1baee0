"""A column among the ids a subquery gives, written so that PostgreSQL can OR it with another indexed condition.

`id IN (SELECT …)` inside an OR is a SubPlan that PostgreSQL tests row by row, so `owner_id = 7 OR id IN (SELECT
customer_id FROM collaborators WHERE user_id = 7)` reads the whole table. `id = ANY(ARRAY(SELECT …))` runs the
subquery once, before the rest (an InitPlan), and its ids become an index condition: the OR is then a BitmapOr of
two index scans, and each half can carry the query's other conditions into a composite index (the board's stage).
SQLite has no arrays; there it is the plain `IN (SELECT …)`.

And the first rows of a list in its order as a union of LIMITed parts, each read in that order from an index.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import connection
from django.db.models import BooleanField, F, Func, Model, Q, QuerySet, Subquery

from . import is_postgresql

M = TypeVar("M", bound=Model)


class InIds(Func):
    """`column IN (subquery)`; on PostgreSQL `column = ANY(ARRAY(subquery))` (the module's docstring says why)."""

    output_field = BooleanField()

    def __init__(self, column: str, ids: QuerySet[Any]) -> None:
        super().__init__(F(column), Subquery(ids))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column_sql, column_params = compiler.compile(self.source_expressions[0])
        ids_sql, ids_params = compiler.compile(self.source_expressions[1])  # "(SELECT …)"
        template = "%s = ANY(ARRAY%s)" if is_postgresql(connection) else "%s IN %s"
        return template % (column_sql, ids_sql), [*column_params, *ids_params]


def in_ids(column: str, ids: QuerySet[Any]) -> Q:
    """The condition `column` is among `ids` (a one-column queryset), as a Q to combine with others."""
    return Q(InIds(column, ids))


def pk_in_any(id_queries: list[QuerySet[Any]]) -> Q:
    """`pk IN (q1 UNION ALL q2 …)` where the database takes LIMITed parts in a UNION (PostgreSQL): an OR of
    `pk IN (…)` made PostgreSQL test every row of the table against each part's subquery (a sequential scan: most
    of the board's SQL at a million deals). SQLite, which refuses a LIMIT inside a UNION, reads the OR of the
    subqueries from the primary key."""
    if not id_queries:
        return Q(pk__in=[])
    if connection.features.supports_slicing_ordering_in_compound and len(id_queries) > 1:
        return Q(pk__in=id_queries[0].union(*id_queries[1:], all=True))
    found = Q(pk__in=[])
    for ids in id_queries:
        found |= Q(pk__in=ids)
    return found


def first_in_order(qs: QuerySet[M], parts: list[Q], n: int) -> QuerySet[M]:
    """`qs` narrowed to rows among which are its first `n` in its order, read part by part: the first `n` of each
    part (policies.scope_parts: a rep's own rows, then the few they collaborate on), each from an index in that
    order, rather than every row of all parts sorted. Slice it as `qs` (`[:n]`); one part: `qs` itself."""
    if len(parts) < 2:
        return qs
    return qs.filter(pk_in_any([qs.filter(part).values("pk")[:n] for part in parts]))
