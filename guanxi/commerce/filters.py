"""List filters (django-filter) of commerce: one FilterSet per list serves the web page, its export and the API,
so a bad value gets the same translated error naming the field everywhere (never a 500)."""

from __future__ import annotations

from typing import Any

import django_filters as df
from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guanxi.core.errors import ValidationFailed

from .models import Contract, ExecutionOrder, ImplementationOrder, Product, Quote

TEXT_LIMIT = 100  # the search box and the API's `q` accept the same length
MAX_ID = 2**63 - 1  # beyond a 64-bit key the database itself would raise

SORTS = {"number": "number", "-number": "-number", "total": "total", "-total": "-total", "amount": "amount",
         "-amount": "-amount", "created": "created_at", "-created": "-created_at"}  # fmt: skip


class IdFilter(df.NumberFilter):
    """A row id: a whole number a database key can hold (an unknown id simply matches nothing)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class TextFilter(df.CharFilter):
    """Free text matched (icontains) against any of `fields`."""

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


def sorted_by(
    qs: QuerySet[Any], data: QueryDict | dict[str, Any] | None, default: str = "-created_at"
) -> QuerySet[Any]:
    return qs.order_by(SORTS.get(str((data or {}).get("sort") or ""), default), "-id")


class ProductFilter(df.FilterSet):
    q = TextFilter(fields=("code", "name"))
    line = IdFilter(field_name="line_id", label=_("Product line"))
    active = df.BooleanFilter(field_name="is_active", label=_("Active"))

    class Meta:
        model = Product
        fields: list[str] = []


class QuoteFilter(df.FilterSet):
    status = df.ChoiceFilter(choices=Quote.Status.choices, label=_("Status"))
    customer = IdFilter(field_name="customer_id", label=_("Customer"))
    owner = IdFilter(field_name="owner_id", label=_("Owner"))
    opportunity = IdFilter(field_name="opportunity_id", label=_("Opportunity"))
    q = TextFilter(fields=("number", "title", "customer__name"))
    all_versions = df.BooleanFilter(method="filter_all_versions", label=_("Versions"))

    class Meta:
        model = Quote
        fields: list[str] = []

    def filter_all_versions(self, qs: QuerySet[Quote], name: str, value: bool) -> QuerySet[Quote]:
        return qs  # applied in filter_queryset: the default (latest versions only) holds without the parameter

    def filter_queryset(self, queryset: QuerySet[Quote]) -> QuerySet[Quote]:
        qs = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("all_versions"):
            qs = qs.exclude(status=Quote.Status.SUPERSEDED)
        return qs


class ContractFilter(df.FilterSet):
    status = df.ChoiceFilter(choices=Contract.Status.choices, label=_("Status"))
    customer = IdFilter(field_name="customer_id", label=_("Customer"))
    owner = IdFilter(field_name="owner_id", label=_("Owner"))
    opportunity = IdFilter(field_name="opportunity_id", label=_("Opportunity"))
    q = TextFilter(fields=("number", "title", "customer__name"))

    class Meta:
        model = Contract
        fields: list[str] = []


class ExecutionOrderFilter(df.FilterSet):
    status = df.ChoiceFilter(choices=ExecutionOrder.Status.choices, label=_("Status"))
    customer = IdFilter(field_name="customer_id", label=_("Customer"))
    contract = IdFilter(field_name="contract_id", label=_("Contract"))
    q = TextFilter(fields=("number", "customer__name", "contract__number"))

    class Meta:
        model = ExecutionOrder
        fields: list[str] = []


class ImplementationOrderFilter(df.FilterSet):
    status = df.ChoiceFilter(choices=ImplementationOrder.Status.choices, label=_("Status"))
    customer = IdFilter(field_name="customer_id", label=_("Customer"))
    contract = IdFilter(field_name="contract_id", label=_("Contract"))
    q = TextFilter(fields=("number", "title", "customer__name"))

    class Meta:
        model = ImplementationOrder
        fields: list[str] = []
