"""What every app's list FilterSets (django-filter) share: an id filter, a free-text filter, running a FilterSet
on a query with the reader known to it. One FilterSet per list serves the web page, its export and the API, so a
bad value gets the same translated error naming the field everywhere (never a 500)."""

from __future__ import annotations

from typing import Any

import django_filters as df
from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .errors import ValidationFailed
from .inputs import MAX_ID, id_or_none

TEXT_LIMIT = 100  # the search box and the API's `q` accept the same length
INVALID_SELECTION = _("Invalid selection.")


class IdFilter(df.NumberFilter):
    """A row id: a whole number a database key can hold (an unknown id simply matches nothing)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        refused = {"invalid": INVALID_SELECTION, "min_value": INVALID_SELECTION, "max_value": INVALID_SELECTION}
        kwargs.setdefault("error_messages", refused)
        super().__init__(*args, **kwargs)


class _RecordsField(forms.ModelMultipleChoiceField):
    """Several record ids: each one a whole number a database key can hold (refused, not a 500), then the rows."""

    def _check_values(self, value: Any) -> Any:
        if any(id_or_none(v) is None for v in value):
            raise forms.ValidationError(INVALID_SELECTION, code="invalid_pk_value")
        return super()._check_values(value)  # type: ignore[misc]  # Django's own check, not in its stubs


class RecordsFilter(df.ModelMultipleChoiceFilter):
    """One record or several (`owner=1&owner=2`: a drill-down naming a team's people) of a queryset."""

    field_class = _RecordsField


class TextFilter(df.CharFilter):
    """Free text matched (icontains) against any of `fields`; longer than TEXT_LIMIT is refused."""

    def __init__(self, *args: Any, fields: tuple[str, ...], **kwargs: Any) -> None:
        kwargs.setdefault("max_length", TEXT_LIMIT)
        kwargs.setdefault("label", _("Search"))
        super().__init__(*args, **kwargs)
        self.fields = fields

    def filter(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        value = " ".join((value or "").split())
        if not value:
            return qs
        cond = Q()
        for name in self.fields:
            cond |= Q(**{f"{name}__icontains": value})
        return qs.filter(cond)


def sort_with_tiebreak(order: str) -> tuple[str, str]:
    """A list's order by one column, then by id in the same direction: equal values keep a stable order, and one
    index on (column, id) serves both directions (read forwards or backwards) instead of a sort."""
    return (order, "-id" if order.startswith("-") else "id")


class RequestLike:
    """What a FilterSet reads of a request: the user (filters such as "mine")."""

    def __init__(self, user: Any):
        self.user = user


def filter_rows(
    filterset_class: type[df.FilterSet], data: QueryDict | dict[str, Any] | None, qs: QuerySet[Any], user: Any = None
) -> QuerySet[Any]:
    """`qs` narrowed by the FilterSet; invalid input raises ValidationFailed naming each field."""
    fs = filterset_class(data=data or {}, queryset=qs, request=RequestLike(user))
    if not fs.is_valid():
        raise ValidationFailed(
            gettext("Some filters are not valid."), fields={k: [str(m) for m in v] for k, v in fs.errors.items()}
        )
    return fs.qs
