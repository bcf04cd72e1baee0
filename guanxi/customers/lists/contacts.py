"""The contact list (guanxi.customers.lists): every contact of the customers the reader may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.org.lists.spec import Column, EmptyState, Field, ListDefinition

from .. import selectors
from ..filters import apply_search
from ..models import Contact
from . import CELLS, _user_choices
from .birthdays import BIRTHDAY_COLUMN, BIRTHDAY_MONTH


class ContactList(ListDefinition):
    key = "contacts"
    title = gettext_lazy("Contacts")
    model = Contact
    permission = "contacts.view"
    url_name = "customers:contact_list"
    search_placeholder = gettext_lazy("Name, phone or e-mail")
    export_permission = "contacts.export"
    default_sort = "name"
    empty = EmptyState(
        gettext_lazy("No contacts yet."),
        gettext_lazy("Contacts are added on a customer's page, Contacts tab."),
        icon="address-book",
    )
    no_action_text = gettext_lazy("Open a customer to add its contacts.")

    columns = (
        Column(
            "name", gettext_lazy("Full name"), template=CELLS + "contact_name.html", sort=("name_sort",), fixed=True
        ),
        Column(
            "customer",
            gettext_lazy("Customer"),
            value=lambda c: c.customer.name,
            template=CELLS + "contact_customer.html",
            sort=("customer__name_sort",),
        ),
        Column("title", gettext_lazy("Title / role")),
        Column("mobile", gettext_lazy("Mobile"), template=CELLS + "tel.html"),
        Column("email", gettext_lazy("E-mail"), template=CELLS + "email.html"),
        Column("wechat", gettext_lazy("WeChat"), phone=False),
        BIRTHDAY_COLUMN,
        Column(
            "updated",
            gettext_lazy("Updated"),
            value=lambda c: c.updated_at,
            template=CELLS + "datetime.html",
            sort=("updated_at",),
            default=False,
            phone=False,
        ),
    )
    fields = (
        Field("is_decision_maker", gettext_lazy("Decision maker"), "is_decision_maker", "bool", quick=True, own=True),
        # The customer's owner (contacts.filters.ContactFilter reads it, through the owner index).
        Field(
            "owner", gettext_lazy("Owner"), "customer__owner_id", "user", choices=_user_choices, quick=True, own=True
        ),
        Field("name", gettext_lazy("Full name"), "name", "text"),
        Field("customer_name", gettext_lazy("Customer"), "customer__name", "text"),
        Field("title", gettext_lazy("Title"), "title", "text"),
        BIRTHDAY_MONTH,
    )

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors.contact_list(user=user, filters=params)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return apply_search(qs, text)

    def row_url(self, row: Any) -> str:
        return reverse("customers:detail", args=[row.customer_id]) + "#tab-contacts"

    def chip(self, *, user: Any, key: str, value: str) -> tuple[Any, Any] | None:
        if key == "customer":
            return _("Customer"), value
        return None
