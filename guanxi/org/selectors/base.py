"""Helpers every organisation selector module shares."""

from __future__ import annotations

from typing import Any

import django_filters as df
from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext

from guanxi.core.errors import NotFoundError, ValidationFailed

ADMIN = "org.admin"


def _get_or_404(qs: QuerySet, pk: Any) -> Any:
    try:
        return qs.get(pk=int(pk))
    except (qs.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError(gettext("Not found, or you may not see it."))


def _filtered(filterset_class: Any, data: QueryDict | dict[str, Any] | None, qs: QuerySet) -> QuerySet:
    fs = filterset_class(data=data or {}, queryset=qs)
    if not fs.is_valid():
        raise ValidationFailed(
            gettext("Some filters are not valid."), fields={k: [str(m) for m in v] for k, v in fs.errors.items()}
        )
    return fs.qs


class _IPFilter(df.CharFilter):
    # Validated before it reaches the database: PostgreSQL's inet column rejects malformed text with an error.
    field_class = forms.GenericIPAddressField
