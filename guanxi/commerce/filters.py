"""List filters (django-filter) of commerce: one FilterSet per list serves the web page, its export and the API,
so a bad value gets the same translated error naming the field everywhere (never a 500)."""

from __future__ import annotations

from typing import Any

import django_filters as df
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter, TextFilter

from .models import Contract, ExecutionOrder, ImplementationOrder, Product, Quote

SORTS = {"number": "number", "-number": "-number", "total": "total", "-total": "-total", "amount": "amount",
         "-amount": "-amount", "created": "created_at", "-created": "-created_at"}  # fmt: skip


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
