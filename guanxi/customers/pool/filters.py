"""Public-pool list filters (django-filter): the same FilterSet serves the web page and the API."""

from __future__ import annotations

import datetime as dt

import django_filters as df
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.dictionaries.selectors import choices_for_filter

from ..filters import apply_search
from ..models import Customer

POOL_SORTS = {
    "-entered": "-pool_entered_at",
    "entered": "pool_entered_at",
    "name": "name",
    "-name": "-name",
    "level": "level",
    "-level": "-level",
    "last_contact": "last_contact_at",
    "-last_contact": "-last_contact_at",
}
MAX_DAYS = 36_500  # a century: larger numbers would overflow the date arithmetic


class PoolFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label=_("Search"), max_length=100)
    level = df.MultipleChoiceFilter(choices=choices_for_filter("customer_level"), label=_("Level"))
    industry = df.CharFilter(label=_("Industry"), max_length=50)
    province = df.CharFilter(label=_("Province"), max_length=30)
    previous_owner = df.NumberFilter(
        field_name="previous_owner_id", label=_("Previous owner"), min_value=1, max_value=2**62
    )
    min_days = df.NumberFilter(
        method="filter_min_days", label=_("In the pool for at least (days)"), min_value=0, max_value=MAX_DAYS
    )
    max_days = df.NumberFilter(
        method="filter_max_days", label=_("In the pool for at most (days)"), min_value=0, max_value=MAX_DAYS
    )
    sort = df.ChoiceFilter(choices=[(k, k) for k in POOL_SORTS], method="filter_sort", label=_("Sort"))

    class Meta:
        model = Customer
        fields: list[str] = []

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return apply_search(qs, value)

    def filter_min_days(self, qs: QuerySet, name: str, value: int) -> QuerySet:
        return qs.filter(pool_entered_at__lte=timezone.now() - dt.timedelta(days=int(value)))

    def filter_max_days(self, qs: QuerySet, name: str, value: int) -> QuerySet:
        return qs.filter(pool_entered_at__gt=timezone.now() - dt.timedelta(days=int(value) + 1))

    def filter_sort(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs  # applied by the selector, after filtering
