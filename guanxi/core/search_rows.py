"""The global search's sources read in one query.

Each source that declares `rows` gives the sliced queryset of its hits (its own data scope, search and order) and
`fields`, the paths its `hit` reads. Every such queryset becomes one branch of a UNION ALL that selects the fields
as one JSON object a row; the rows are then made back into (unsaved) model instances with those fields and their
related rows, and the source's own `hit` renders each one, as it does when the source is asked alone. One round
trip and one compiled query a source, instead of a query and a full model row (every column, select_related) each.
A change log's related rows of every kind are read the same way (org.audit_changes.ChangeRenderer).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections
from django.db.models import F, Field, Model, QuerySet
from django.db.models.functions import JSONObject

HIT = "gx_hit"


def _paths(model: type[Model], fields: Sequence[str]) -> list[str]:
    """The fields asked, with the primary key of the row and of every related row they pass through (a null
    relation is told from a related row with empty fields)."""
    paths = ["pk", *fields]
    for path in fields:
        parts = path.split("__")[:-1]
        for depth in range(1, len(parts) + 1):
            paths.append("__".join(parts[:depth]) + "__pk")
    return list(dict.fromkeys(paths))


def _instance(model: type[Model], row: dict[str, Any]) -> Model | None:
    """An unsaved instance carrying the given values, its related rows attached; None for a null relation."""
    if row.get("pk") is None:
        return None
    own: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for path, value in row.items():
        head, _sep, rest = path.partition("__")
        if rest:
            nested.setdefault(head, {})[rest] = value
        elif head == "pk":
            own[model._meta.pk.attname] = model._meta.pk.to_python(value)
        else:
            field = model._meta.get_field(head)
            assert isinstance(field, Field)  # a column of the row, not a reverse relation
            try:
                own[field.attname] = field.to_python(value)
            except ValidationError:  # a value JSON carries in another form than the column's (kept as it came)
                own[field.attname] = value
    obj = model(**own)
    for name, values in nested.items():
        field = model._meta.get_field(name)
        setattr(obj, name, _instance(field.related_model, values))  # type: ignore[arg-type]
    return obj


def source_rows(branches: Iterable[tuple[QuerySet[Any], Sequence[str]]]) -> list[list[Model]]:
    """The rows of every (sliced queryset, fields) in one UNION ALL query, in each queryset's own order."""
    branches = list(branches)
    found: list[list[Model]] = [[] for _ in branches]
    parts: list[str] = []
    params: list[Any] = []
    using = "default"
    for number, (qs, fields) in enumerate(branches):
        paths = _paths(qs.model, fields)
        one = qs.values(**{HIT: JSONObject(**{path: F(path) for path in paths})})
        using = qs.db
        try:
            sql, branch_params = one.query.get_compiler(using=using).as_sql()
        except EmptyResultSet:  # a queryset that can match nothing (.none(), an empty IN)
            continue
        # the SQL Django compiled for the source's queryset; its values stay parameters
        parts.append(f"SELECT {number} AS gx_source, {HIT} FROM ({sql}) gx_{number}")  # noqa: S608
        params.extend(branch_params)
    if not parts:
        return found
    with connections[using].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    # a branch's rows keep its order (each is one LIMITed subquery; branches may interleave, never reorder)
    for number, value in rows:
        data = json.loads(value, parse_float=Decimal) if isinstance(value, str | bytes) else value
        obj = _instance(branches[number][0].model, data)
        if obj is not None:
            found[number].append(obj)
    return found


# What str() of a user reads (org.models.User: name, else full name, else username), for a hit naming an owner.
USER_STR = ("name", "first_name", "last_name", "username")


def under(relation: str, fields: Iterable[str]) -> tuple[str, ...]:
    """The paths of a related row's fields: under("owner", USER_STR) -> ("owner__name", …)."""
    return tuple(f"{relation}__{name}" for name in fields)
