"""The columns an API list reads: what its output schema shows, no more (issue 13 §4).

A list of 50 deals read with `select_related` builds 300 model instances, each with every column of its table: the
customer's forty, the owner's thirty (his password hash included). Converting and instantiating them cost more than
the rest of the request. A reference schema (UserRef, DepartmentRef, …) names the columns it reads in `COLUMNS`
(those its resolvers use: a user's name falls back to his full name, then his user name), and `schema_columns` turns
an output schema into the `only()` of its list: the model's own fields the schema shows, and for each reference only
its columns. Each list's query-count test fails if a resolver reads a column left out (one query per row).
"""

from __future__ import annotations

import typing
from typing import Any

from django.db.models import Model


def _reference(annotation: Any) -> Any:
    """The reference schema of a field (`UserRef | None` → UserRef), or None."""
    candidates = typing.get_args(annotation) or (annotation,)
    return next((c for c in candidates if isinstance(c, type) and hasattr(c, "COLUMNS")), None)


def schema_columns(schema: Any, model: type[Model]) -> list[str]:
    """The `only()` paths of `model` rows shown through `schema` (a ninja Schema)."""
    concrete = {f.name for f in model._meta.concrete_fields}
    columns = [model._meta.pk.name]
    for name, field in schema.model_fields.items():
        reference = _reference(field.annotation)
        if reference is not None and name in concrete:
            columns += [f"{name}__{column}" for column in reference.COLUMNS]
        elif name in concrete:
            columns.append(name)
    return list(dict.fromkeys(columns))
