"""The follow-up list (guanxi.customers.lists): every follow-up the reader may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy

from guanxi.org.lists.choices import dictionary_choices
from guanxi.org.lists.spec import (
    Choice,
    Column,
    EmptyState,
    Field,
    ListDefinition,
)

from .. import selectors
from ..models import FollowUp
from . import _departments, _user_choices


class FollowUpList(ListDefinition):
    """Every follow-up (跟进记录) the reader may see, newest first: the records behind the contact-frequency and
    follow-up figures of analytics (filters by author, department, method and date)."""

    key = "follow_ups"
    title = gettext_lazy("Follow-ups")
    model = FollowUp
    permission = "followups.view"
    url_name = "customers:follow_up_list"
    search_placeholder = gettext_lazy("Content or customer")
    export_permission = "followups.export"
    default_sort = "-occurred"
    star = False
    empty = EmptyState(
        gettext_lazy("No follow-ups."),
        gettext_lazy("Follow-ups are logged on a customer's page."),
        icon="message-circle",
    )
    no_action_text = gettext_lazy("Open a customer to log a follow-up.")

    columns = (
        Column(
            "occurred",
            gettext_lazy("When"),
            value=lambda f: f.occurred_at,
            template="customers/cells/datetime.html",
            sort=("occurred_at",),
            fixed=True,
        ),
        Column(
            "customer",
            gettext_lazy("Customer"),
            value=lambda f: f.customer.name,
            template="customers/cells/contact_customer.html",
            sort=("customer__name_sort",),
        ),
        Column("author", gettext_lazy("Author"), value=lambda f: str(f.author)),
        Column("method", gettext_lazy("Method"), value=lambda f: f.get_method_display()),
        Column("content", gettext_lazy("Content"), value=lambda f: f.content[:120]),
        Column("result", gettext_lazy("Result"), phone=False),
    )
    fields = (
        Field("author", gettext_lazy("Author"), "author_id", "user", choices=_user_choices, quick=True),
        Field(
            "department",
            gettext_lazy("Department"),
            "author__department_id",
            "ref",
            choices=lambda user: [Choice(str(d.pk), d.name) for d in _departments(user)],
        ),
        Field("method", gettext_lazy("Method"), "method", "choice", choices=dictionary_choices("follow_up_method")),
        Field("occurred", gettext_lazy("When"), "occurred_at", "datetime", quick=True),
        Field("customer_owner", gettext_lazy("Owner"), "customer__owner_id", "user", choices=_user_choices),
    )

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors.follow_up_list(user=user, filters={}).prefetch_related(None)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        text = text.strip()[:100]
        return qs.filter(Q(content__icontains=text) | Q(customer__name__icontains=text)) if text else qs

    def row_url(self, row: Any) -> str:
        return reverse("customers:detail", args=[row.customer_id]) + "#tab-activity"
