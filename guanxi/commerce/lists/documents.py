"""The quote and contract lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.org.lists.registry import register
from guanxi.org.lists.spec import (
    Column,
    EmptyState,
    Field,
    Scene,
)

from .. import selectors
from ..models import Contract, Quote
from ..money import discount_label
from .common import (
    CELLS,
    EXPIRING_DAYS,
    ScopedList,
    choices_of,
    customer_column,
    date_column,
    delete_action,
    departments,
    money_column,
    owner_field,
    owner_inline,
    scope_scenes,
    status_column,
    status_scene,
    transfer_action,
    user_column,
)


# --- quotes --------------------------------------------------------------------------------------------------
@register
class QuoteList(ScopedList):
    key = "quotes"
    import_kind = "quotes"  # the ⋯ menu offers the spreadsheet import to who may import
    title = _("Quotes")
    model = Quote
    permission = "quotes.view"
    url_name = "commerce:quote_list"
    search_placeholder = _("Quote number, title or customer")
    export_permission = "quotes.export"
    create_url_name = "commerce:quote_create"
    create_permission = "quotes.create"
    create_label = _("New quote")
    default_sort = "-created"
    param_labels = {"customer": _("Customer"), "opportunity": _("Opportunity"), "all_versions": _("Versions")}
    empty = EmptyState(
        _("No quotes yet."),
        _("A quote lists catalogue products for a customer; it is approved before the customer sees it."),
        icon="file-dollar",
    )
    no_action_text = _("You may not write quotes: the ones you approve or may read show here.")

    columns = (
        Column(
            "number",
            _("Quote"),
            value=lambda q: f"{q.number}-V{q.revision}",
            template=CELLS + "quote.html",
            sort=("number", "revision"),
            fixed=True,
        ),
        Column("title", _("Title"), default=False, phone=False, sort=("title",)),
        customer_column(),
        status_column(),
        money_column("total", _("Total"), phone=True),
        Column(
            "min_discount_rate",
            _("Lowest discount"),
            value=lambda q: discount_label(q.min_discount_rate) if q.min_discount_rate < 1 else "",
            phone=False,
            sort=("min_discount_rate",),
        ),  # fmt: skip
        date_column("valid_until", _("Valid until")),
        user_column("owner", _("Owner"), inline=owner_inline("quotes")),
        date_column("quote_date", _("Quote date"), default=False),
        date_column("created", _("Created"), path="created_at", value=lambda q: q.created_at, default=False),
    )
    fields = (
        Field("status", _("Status"), "status", "choice", choices=choices_of(Quote.Status.choices), quick=True),
        owner_field(),
        Field("total", _("Total"), "total", "money", quick=True),
        Field("valid_until", _("Valid until"), "valid_until", "date", quick=True),
        Field("quote_date", _("Quote date"), "quote_date", "date"),
        Field("created", _("Created"), "created_at", "datetime"),
        Field("special_price", _("Special-price request"), "special_price", "bool"),
    )
    scenes = (
        *scope_scenes(),
        status_scene("draft", _("Drafts"), Quote.Status.DRAFT),
        status_scene("in_approval", _("Waiting for approval"), Quote.Status.IN_APPROVAL),
        status_scene("approved", _("Approved, not sent"), Quote.Status.APPROVED),
        status_scene("sent", _("Sent"), Quote.Status.SENT),
    )
    bulk_actions = (
        transfer_action(Quote, "quotes"),
        delete_action(
            Quote, "quotes", _("Drafts, expired and superseded quotes move to the recycle bin; others stay.")
        ),  # fmt: skip
    )

    def select(self, *, user: Any, params: QueryDict, action: str) -> QuerySet[Any]:
        return selectors.quote_list(user=user, filters=params, action=action)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return qs.filter(Q(number__icontains=text) | Q(title__icontains=text) | Q(customer__name__icontains=text))

    def row_url(self, row: Any) -> str:
        return reverse("commerce:quote_detail", args=[row.pk])


# --- contracts -----------------------------------------------------------------------------------------------
ACTIVE = (Contract.Status.SIGNED, Contract.Status.IN_EXECUTION)


def expiring(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """Contracts in force whose end date falls within the next 30 days (today included)."""
    today = timezone.localdate()
    return qs.filter(status__in=ACTIVE, ends_on__gte=today, ends_on__lte=today + dt.timedelta(days=EXPIRING_DAYS))


@register
class ContractList(ScopedList):
    key = "contracts"
    import_kind = "contracts"  # the ⋯ menu offers the spreadsheet import to who may import
    title = _("Contracts")
    model = Contract
    permission = "contracts.view"
    url_name = "commerce:contract_list"
    search_placeholder = _("Contract number, title or customer")
    export_permission = "contracts.export"
    create_url_name = "commerce:contract_create"
    create_permission = "contracts.create"
    create_label = _("New contract")
    default_sort = "-created"
    param_labels = {"customer": _("Customer"), "opportunity": _("Opportunity")}
    empty = EmptyState(
        _("No contracts yet."),
        _("Create a contract from an approved quote, from an opportunity, or for an existing customer."),
        icon="file-certificate",
    )
    no_action_text = _("You may not write contracts: the ones you approve or may read show here.")

    columns = (
        Column("number", _("Contract"), template=CELLS + "contract.html", sort=("number",), fixed=True),
        Column("title", _("Title"), default=False, phone=False, sort=("title",)),
        customer_column(),
        status_column(),
        money_column("amount", _("Contract amount"), phone=True),
        date_column("signed_on", _("Signing date")),
        date_column("ends_on", _("End date")),
        user_column("owner", _("Owner"), inline=owner_inline("contracts")),
        date_column("starts_on", _("Start date"), default=False),
        date_column("created", _("Created"), path="created_at", value=lambda c: c.created_at, default=False),
    )
    fields = (
        Field("status", _("Status"), "status", "choice", choices=choices_of(Contract.Status.choices), quick=True),
        owner_field(),
        Field("amount", _("Contract amount"), "amount", "money", quick=True),
        Field("signed_on", _("Signing date"), "signed_on", "date", quick=True),
        Field("department", _("Department"), "department_id", "ref", choices=departments),
        Field("ends_on", _("End date"), "ends_on", "date"),
        Field("starts_on", _("Start date"), "starts_on", "date"),
        Field("standard_template", _("On the standard template"), "standard_template", "bool"),
    )
    scenes = (
        *scope_scenes(),
        status_scene("to_sign", _("To sign"), Contract.Status.APPROVED),
        status_scene("active", _("In force"), *ACTIVE),
        Scene("expiring", _("Expiring within 30 days"), expiring),
    )
    bulk_actions = (
        transfer_action(Contract, "contracts"),
        delete_action(Contract, "contracts", _("Draft contracts move to the recycle bin; others stay.")),
    )

    def select(self, *, user: Any, params: QueryDict, action: str) -> QuerySet[Any]:
        return selectors.contract_list(user=user, filters=params, action=action)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return qs.filter(Q(number__icontains=text) | Q(title__icontains=text) | Q(customer__name__icontains=text))

    def row_url(self, row: Any) -> str:
        return reverse("commerce:contract_detail", args=[row.pk])
