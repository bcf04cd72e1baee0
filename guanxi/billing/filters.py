"""List filters (django-filter) of billing: one FilterSet per list serves the web page, its export and the API,
so a bad value gets the same translated error naming the field everywhere (never a 500)."""

from __future__ import annotations

from typing import Any

import django_filters as df
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from guanxi.commerce.models import Contract
from guanxi.core.filters import IdFilter, TextFilter

from .models import ExpenseClaim, Invoice, Payment


class ReceivableFilter(df.FilterSet):
    """Over contracts annotated by selectors.with_money: open ones only (balance due) unless `all`."""

    q = TextFilter(fields=("number", "title", "customer__name"))
    customer = IdFilter(field_name="customer_id", label=_("Customer"))
    owner = IdFilter(field_name="owner_id", label=_("Owner"))
    department = IdFilter(field_name="owner__department_id", label=_("Department"))
    all = df.BooleanFilter(method="filter_all", label=_("Include settled"))
    overdue = df.BooleanFilter(method="filter_overdue", label=_("Overdue only"))

    class Meta:
        model = Contract
        fields: list[str] = []

    def filter_all(self, qs: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        return qs  # applied in filter_queryset: without the parameter only open contracts show

    def filter_overdue(self, qs: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        return qs.filter(overdue__gt=0) if value else qs

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        qs = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("all"):
            qs = qs.filter(balance_due__gt=0)
        return qs


class InvoiceFilter(df.FilterSet):
    contract = IdFilter(field_name="contract_id", label=_("Contract"))
    customer = IdFilter(field_name="contract__customer_id", label=_("Customer"))
    status = df.ChoiceFilter(choices=Invoice.Status.choices, label=_("Status"))
    q = TextFilter(fields=("number", "buyer_title", "contract__number"))

    class Meta:
        model = Invoice
        fields: list[str] = []


class PaymentFilter(df.FilterSet):
    contract = IdFilter(field_name="contract_id", label=_("Contract"))
    customer = IdFilter(field_name="contract__customer_id", label=_("Customer"))
    date_from = df.DateFilter(field_name="received_on", lookup_expr="gte", label=_("Received from"))
    date_to = df.DateFilter(field_name="received_on", lookup_expr="lte", label=_("Received to"))

    class Meta:
        model = Payment
        fields: list[str] = []


class ExpenseClaimFilter(df.FilterSet):
    status = df.ChoiceFilter(choices=ExpenseClaim.Status.choices, label=_("Status"))
    mine = df.BooleanFilter(method="filter_mine", label=_("Mine only"))
    q = TextFilter(fields=("title", "customer__name"))

    class Meta:
        model = ExpenseClaim
        fields: list[str] = []

    def filter_mine(self, qs: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        user = getattr(self.request, "user", None)
        return qs.filter(claimant=user) if value and user is not None else qs
