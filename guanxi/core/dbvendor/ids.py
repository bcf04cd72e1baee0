"""A column among the ids a subquery gives, written so that PostgreSQL can OR it with another indexed condition.

`id IN (SELECT …)` inside an OR is a SubPlan that PostgreSQL tests row by row, so `owner_id = 7 OR id IN (SELECT
customer_id FROM collaborators WHERE user_id = 7)` reads the whole table. `id = ANY(ARRAY(SELECT …))` runs the
subquery once, before the rest (an InitPlan), and its ids become an index condition: the OR is then a BitmapOr of
two index scans, and each half can carry the query's other conditions into a composite index (the board's stage).
SQLite has no arrays; there it is the plain `IN (SELECT …)`.

And the first rows of a list in its order as a union of LIMITed parts, each read in that order from an index.

The array has a price: it is every id of the subquery (a rep's 9,000 customers for the rep's contacts, read from the
table: 100-130 ms at a million customers), and PostgreSQL takes `= ANY(ARRAY(…))` for about ten ids, so it prefers
it to any other index and walks all the rep's contacts even when a search term's own index holds one match (the rep's
global search for a mobile number: 250 ms). For such a search, ids_checked_per_row writes the same condition as a
test of each row the rest of the query finds: `EXISTS (SELECT 1 FROM (subquery) WHERE id = column OFFSET 0)`, the
row's id pushed into the subquery (a primary-key probe per row; OFFSET 0 keeps it from becoming a join that reads the
whole subquery first).
"""

from __future__ import annotations

import copy
from typing import Any, TypeVar

from django.db import connection, connections
from django.db.models import BooleanField, ExpressionWrapper, F, Func, Model, Q, QuerySet, Subquery

from . import is_postgresql

M = TypeVar("M", bound=Model)


class InIds(Func):
    """`column IN (subquery)`; on PostgreSQL `column = ANY(ARRAY(subquery))`, or with `per_row` an EXISTS probing the
    subquery for each row (the module's docstring says why and when)."""

    output_field = BooleanField()
    per_row = False

    def __init__(self, column: str, ids: QuerySet[Any]) -> None:
        super().__init__(F(column), Subquery(ids))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column_sql, column_params = compiler.compile(self.source_expressions[0])
        ids_sql, ids_params = compiler.compile(self.source_expressions[1])  # "(SELECT …)"
        if not is_postgresql(connection):
            return f"{column_sql} IN {ids_sql}", [*column_params, *ids_params]
        if self.per_row:
            return (
                f"EXISTS (SELECT 1 FROM {ids_sql} AS gx_ids (id) WHERE gx_ids.id = {column_sql} OFFSET 0)",  # noqa: S608
                [*ids_params, *column_params],
            )
        return f"{column_sql} = ANY(ARRAY{ids_sql})", [*column_params, *ids_params]


def in_ids(column: str, ids: QuerySet[Any]) -> Q:
    """The condition `column` is among `ids` (a one-column queryset), as a Q to combine with others."""
    return Q(InIds(column, ids))


def _scoped_by_ids(qs: QuerySet[Any]) -> list[Any]:
    """The conditions `InIds … = true` among the query's own AND (not under an OR or a NOT, where EXISTS and
    `= ANY` differ for a null column)."""
    where = qs.query.where
    if where.connector != "AND" or where.negated:
        return []
    return [c for c in where.children if isinstance(getattr(c, "lhs", None), InIds) and getattr(c, "rhs", None) is True]


def scoped_by_ids(qs: QuerySet[Any]) -> bool:
    """Whether `qs` is narrowed by `column IN (ids)` (in_ids) that ids_checked_per_row would test row by row."""
    return is_postgresql(connections[qs.db]) and bool(_scoped_by_ids(qs))


def ids_checked_per_row(qs: QuerySet[M]) -> QuerySet[M]:
    """`qs` read from the rows its other conditions find, its in_ids conditions (scoped_by_ids) tested on each of them
    rather than built as an array of every id (the module's docstring): for a query whose other conditions find few
    rows from their own index (a rare search term; apply the search before). Those rows' ids are collected first (`pk
    = ANY(ARRAY(SELECT pk … WHERE the same conditions))`): with the scope only a filter of unknown share, the planner
    would otherwise walk a list's order index to fill a page (the rep's few matches among 2,000,000 contacts, running
    the token function on each row). The same rows: the conditions are the same, only written otherwise."""
    found = _scoped_by_ids(qs) if is_postgresql(connections[qs.db]) else []
    if not found:
        return qs
    qs = qs._chain()  # type: ignore[attr-defined]
    children = []
    for child in qs.query.where.children:
        if any(child is f for f in found):
            lookup: Any = copy.copy(child)  # the lookup is shared with the queryset it was cloned from
            lookup.lhs = lookup.lhs.copy()
            lookup.lhs.per_row = True
            child = lookup
        children.append(child)
    qs.query.where.children = children
    return qs.filter(in_ids("pk", qs.order_by().values("pk")))


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


class SplitCondition(ExpressionWrapper):
    """A condition that is the union of `parts` (a rep's scope: the rows they own, the rows they collaborate on).
    A list read in order replaces it by each part in turn (split_parts, first_in_order), each read from its own
    index: with the whole beside a part (`(owner_id = 7 OR id = ANY(…)) AND owner_id = 7`) PostgreSQL takes the
    part's rows for the product of both shares (0.9 % of 0.9 %), reads all the rep's rows and sorts them."""

    def __init__(self, whole: Q, parts: list[Q]) -> None:
        super().__init__(whole, output_field=BooleanField())
        self.parts = parts


def split_condition(whole: Q, parts: list[Q]) -> Q:
    """`whole`, marked as the union of `parts` for the lists that read it part by part (SplitCondition)."""
    return Q(SplitCondition(whole, parts))


def is_split(qs: QuerySet[Any]) -> bool:
    """Whether `qs` carries a SplitCondition among its own AND (a rep's scope: his own rows and the few others)."""
    where = qs.query.where
    return (
        where.connector == "AND"
        and not where.negated
        and any(isinstance(getattr(child, "lhs", None), SplitCondition) for child in where.children)
    )


def split_parts(qs: QuerySet[M]) -> list[QuerySet[M]]:
    """`qs` as querysets whose union it is: one per part of the SplitCondition among its conditions, with that
    condition replaced by the part (the rest kept: filters, order); `[qs]` when it has none."""
    where = qs.query.where
    for child in where.children:
        split = getattr(child, "lhs", None)
        if where.connector == "AND" and not where.negated and isinstance(split, SplitCondition):
            parts = []
            for part in split.parts:
                narrowed = qs._chain()  # type: ignore[attr-defined]
                narrowed.query.where.children = [c for c in narrowed.query.where.children if c is not child]
                parts.append(narrowed.filter(part))
            return parts
    return [qs]


def first_in_order(qs: QuerySet[M], n: int) -> QuerySet[M]:
    """`qs` narrowed to rows among which are its first `n` in its order, read part by part (split_parts): the
    first `n` of each part, each from an index in that order, rather than every row of all parts sorted. Slice
    it as `qs` (`[:n]`); without parts: `qs` itself."""
    parts = split_parts(qs)
    if len(parts) < 2:
        return qs
    return qs.filter(pk_in_any([part.values("pk")[:n] for part in parts]))
