"""A prefetch whose query count does not depend on the data: Django's `prefetch_related` asks nothing when there are
no parent rows, so a page showing a customer with no follow-ups asked one query fewer than one with some (the 360
page varied by 3–4 queries with the customer's data, issue 13). `prefetch_always` asks its one query every time,
from a subquery rather than from the parents' ids, and fills the same cache `prefetch_related` fills:
`parent.<name>.all()` then reads no more."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet


def prefetch_always(parents: list[Any], name: str, children: QuerySet[Any]) -> None:
    """Give each of `parents` its reverse foreign-key rows `name` (e.g. "attachments") from `children`, one query
    asked even when `parents` is empty. `children` must hold at least every child of the parents (narrow it by a
    subquery on the parents' own query: `Attachment.objects.filter(follow_up__in=follow_ups.values("pk"))`); rows
    of other parents are left out."""
    rows = list(children)
    if not parents:
        return
    fk = type(parents[0])._meta.get_field(name).field.attname  # type: ignore[union-attr]
    by_parent: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        by_parent[getattr(row, fk)].append(row)
    for parent in parents:
        qs = getattr(parent, name).get_queryset()  # lazy: no query
        qs._result_cache = by_parent.get(parent.pk, [])
        qs._prefetch_done = True
        parent.__dict__.setdefault("_prefetched_objects_cache", {})[name] = qs


NO_ROW = 0  # no table's id is 0: ids start at 1


def ids_asked_either_way(ids: Iterable[Any]) -> list[Any]:
    """The ids of an `__in` filter, never empty: Django asks nothing for `field__in=[]`, so a page showing a record
    with no children asked fewer queries than one with some. A list holding only an id no row has asks its query
    every time and finds nothing."""
    return list(ids) or [NO_ROW]
