"""List filters (django-filter) for leads: one FilterSet serves the web list and the API."""

from __future__ import annotations

import django_filters as df
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from guanxi.core.dbvendor import search_filter
from guanxi.core.dictionaries.selectors import choices_for_filter
from guanxi.core.search import search_terms
from guanxi.org.models import User

from .models import Lead

# The list tabs ("scenes"): each a queue of the lead process.
QUEUES = [
    ("screen", _("To screen")),
    ("unassigned", _("Valid, unassigned")),
    ("mine", _("Mine")),
    ("all", _("All")),
]

SORTS = {
    "created": "created_at",
    "-created": "-created_at",
    "updated": "updated_at",
    "-updated": "-updated_at",
    "company": "company_name",
    "-company": "-company_name",
    "assigned": "assigned_at",
    "-assigned": "-assigned_at",
}


def apply_search(qs: QuerySet, value: str) -> QuerySet:
    # Every term must occur in search_text; an index serves it where the database has one (core.dbvendor).
    return search_filter(qs, "search_text", search_terms(value))


def apply_search_probes(value: str) -> list[tuple[type[Lead], str, list[str]]]:
    """What apply_search asks the search index (core.dbvendor.probes), for the global search to ask ahead."""
    return [(Lead, "search_text", search_terms(value))]


class LeadFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label=_("Search"), max_length=100)
    queue = df.ChoiceFilter(method="filter_queue", label=_("Queue"), choices=QUEUES)
    status = df.MultipleChoiceFilter(choices=Lead.Status.choices, label=_("Status"))
    source = df.MultipleChoiceFilter(choices=choices_for_filter("customer_source"), label=_("Source"))
    province = df.CharFilter(label=_("Province"), max_length=30)
    industry = df.CharFilter(label=_("Industry"), max_length=50)
    size = df.ChoiceFilter(choices=choices_for_filter("company_size"), label=_("Size"))
    owner = df.ModelChoiceFilter(queryset=User.objects.all(), label=_("Owner"))
    unowned = df.BooleanFilter(field_name="owner", lookup_expr="isnull", label=_("Without owner"))
    created_after = df.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label=_("Created from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_before = df.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label=_("Created to"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Lead
        fields: list[str] = []

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return apply_search(qs, value)

    def filter_queue(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        user = getattr(self.request, "user", None)
        if value == "screen":
            return qs.filter(status=Lead.Status.NEW)
        if value == "unassigned":
            return qs.filter(status=Lead.Status.VALID, owner__isnull=True)
        if value == "mine":
            return qs.filter(owner=user) if user is not None else qs.none()
        return qs
