"""Every model in a permission module names a data-scope path that exists (org.policies.scope_q follows it to the
owner), or says it is company-wide with an empty `scope_owner_path`: a wrong path would be a 500 on the first page
that narrows such rows for a reader whose scope is not "all" (the customer 360 naming an asset's product did)."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist


def test_every_scoped_model_names_an_owner_path_that_exists() -> None:
    broken = []
    for model in apps.get_models():
        if not getattr(model, "scope_module", ""):
            continue
        for path in (getattr(model, "scope_owner_path", "owner"), getattr(model, "scope_collaborators_path", None)):
            if not path:
                continue
            target = model
            try:
                for part in path.split("__"):
                    target = target._meta.get_field(part).related_model or target
            except FieldDoesNotExist:
                broken.append(f"{model._meta.label}: {path}")
    assert broken == []
