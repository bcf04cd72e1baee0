"""List filters (django-filter): the same FilterSet serves the web list, export and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters as df
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.dbvendor import search_filter
from guanxi.core.dictionaries.selectors import choices_for_filter
from guanxi.core.filters import IdFilter, RecordsFilter
from guanxi.core.search import search_terms
from guanxi.org.models import Department, User
from guanxi.org.policies import department_tree_ids

from .models import Contact, Customer, FollowUp, Tag, Task

SORTS = {
    "name": "name_sort",  # pinyin order (core.search.name_sort_key)
    "-name": "-name_sort",
    "updated": "updated_at",
    "-updated": "-updated_at",
    "created": "created_at",
    "-created": "-created_at",
    "last_contact": "last_contact_at",
    "-last_contact": "-last_contact_at",
    "next_follow_up": "next_follow_up_on",
    "-next_follow_up": "-next_follow_up_on",
    "level": "level",
    "-level": "-level",
}


def apply_search(qs: QuerySet, value: str) -> QuerySet:
    # Every term must occur in search_text; an index serves it where the database has one (core.dbvendor).
    return search_filter(qs, "search_text", search_terms(value))


def apply_search_probes(model: type[Customer | Contact], value: str) -> list[tuple[Any, str, list[str]]]:
    """What apply_search asks the search index (core.dbvendor.probes), for the global search to ask ahead."""
    return [(model, "search_text", search_terms(value))]


class CustomerFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label=_("Search"))
    scene = df.ChoiceFilter(
        method="filter_scene",
        label=_("Scene"),
        choices=[
            ("mine", _("Mine")),
            ("subordinates", _("My subordinates'")),
            ("collaborating", _("I collaborate on")),
            ("all", _("All")),
        ],
    )
    # One owner, or several (a drill-down from a department's figure names its people: owner=1&owner=2).
    owner = RecordsFilter(queryset=User.objects.all(), label=_("Owner"), distinct=False)
    department = df.ModelChoiceFilter(
        queryset=Department.objects.all(), method="filter_department", label=_("Department")
    )
    # Dictionary fields: every entry, retired ones too, so old records stay findable.
    level = df.MultipleChoiceFilter(choices=choices_for_filter("customer_level"), label=_("Level"), distinct=False)
    status = df.MultipleChoiceFilter(choices=choices_for_filter("customer_status"), label=_("Status"), distinct=False)
    source = df.MultipleChoiceFilter(choices=choices_for_filter("customer_source"), label=_("Source"), distinct=False)
    kind = df.ChoiceFilter(choices=Customer.Kind.choices, label=_("Type"))
    size = df.ChoiceFilter(choices=choices_for_filter("company_size"), label=_("Size"))
    review_status = df.ChoiceFilter(choices=Customer.Review.choices, label=_("Review"))
    industry = df.CharFilter(label=_("Industry"))
    province = df.CharFilter(label=_("Province"))
    city = df.CharFilter(label=_("City"))
    tag = df.ModelMultipleChoiceFilter(
        field_name="tags", queryset=Tag.objects.all(), label=_("Tags"), distinct=False, method="filter_tags"
    )
    last_contact_after = df.DateFilter(
        field_name="last_contact_at", lookup_expr="date__gte", label=_("Last contact from")
    )
    last_contact_before = df.DateFilter(
        field_name="last_contact_at", lookup_expr="date__lte", label=_("Last contact to")
    )
    no_contact_days = df.NumberFilter(
        method="filter_no_contact_days",
        label=_("No contact for at least N days"),
        min_value=0,
        max_value=36500,  # a century: anything larger cannot be a date difference
    )
    created_after = df.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("Created from"))
    created_before = df.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("Created to"))
    next_follow_up_before = df.DateFilter(
        field_name="next_follow_up_on", lookup_expr="lte", label=_("Next follow-up by")
    )

    class Meta:
        model = Customer
        fields: list[str] = []

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return apply_search(qs, value)

    def filter_scene(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        user = self.request.user if self.request else None
        if user is None:
            return qs
        if value == "mine":
            return qs.filter(owner=user)
        if value == "subordinates":
            from guanxi.org.policies import subordinate_ids

            return qs.filter(owner_id__in=subordinate_ids(user))
        if value == "collaborating":
            return qs.filter(pk__in=Customer.collaborators.through.objects.filter(user=user).values("customer_id"))
        return qs

    def filter_department(self, qs: QuerySet, name: str, value: Department) -> QuerySet:
        return qs.filter(department_id__in=department_tree_ids(value))

    def filter_tags(self, qs: QuerySet, name: str, value: list[Tag]) -> QuerySet:
        for tag in value:  # all chosen tags (AND), as a subquery so rows never repeat
            qs = qs.filter(pk__in=Customer.tags.through.objects.filter(tag=tag).values("customer_id"))
        return qs

    def filter_no_contact_days(self, qs: QuerySet, name: str, value: int) -> QuerySet:
        cutoff = timezone.now() - dt.timedelta(days=int(value))
        return qs.filter(Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True, created_at__lt=cutoff))


CONTACT_SORTS = {"name": "name_sort", "-name": "-name_sort", "updated": "updated_at", "-updated": "-updated_at"}


class ContactFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label=_("Search"))
    customer = df.NumberFilter(field_name="customer_id", label=_("Customer"))
    owner = IdFilter(field_name="owner_id", label=_("Owner"))  # kept equal to the customer's (contact_owner.py)
    is_decision_maker = df.BooleanFilter(label=_("Decision maker"))

    class Meta:
        model = Contact
        fields: list[str] = []

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return apply_search(qs, value)


class FollowUpFilter(df.FilterSet):
    customer = df.NumberFilter(field_name="customer_id", label=_("Customer"))
    author = df.NumberFilter(field_name="author_id", label=_("Author"))
    method = df.MultipleChoiceFilter(choices=choices_for_filter("follow_up_method"), label=_("Method"))
    after = df.DateFilter(field_name="occurred_at", lookup_expr="date__gte", label=_("From"))
    before = df.DateFilter(field_name="occurred_at", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = FollowUp
        fields: list[str] = []


class TaskFilter(df.FilterSet):
    assignee = df.NumberFilter(field_name="assignee_id", label=_("Assignee"))
    customer = df.NumberFilter(field_name="customer_id", label=_("Customer"))
    done = df.BooleanFilter(label=_("Done"))
    due_before = df.DateFilter(field_name="due_at", lookup_expr="date__lte", label=_("Due by"))
    due_after = df.DateFilter(field_name="due_at", lookup_expr="date__gte", label=_("Due from"))

    class Meta:
        model = Task
        fields: list[str] = []
