"""The service app's list pages for the shared list toolkit (org.lists): customer assets and tickets. Rows come
through the selectors (the reader's data scope, through the customer); the search box finds an asset or a ticket by
plate, policy or serial number however it is typed (selectors.identifier_search)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.commerce.lists import ScopedList, bulk, choices_of, date_column, people
from guanxi.org.lists.choices import dictionary_choices
from guanxi.org.lists.registry import register
from guanxi.org.lists.spec import BulkAction, Column, EmptyState, Field, Scene
from guanxi.org.policies import has_permission

from . import selectors, services
from .models import Asset, Ticket

CELLS = "service/cells/"
EXPIRING_DAYS = 60
OPEN = Ticket.OPEN_STATUSES


SceneFilter = Callable[[QuerySet[Any], Any], QuerySet[Any]]


def ending_within(days: int, **still: Any) -> SceneFilter:
    """A scene: the rows (filtered by `still`, e.g. status="active") whose end date falls from today to `days` ahead;
    the asset and renewal lists share it."""

    def scene(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
        today = timezone.localdate()
        return qs.filter(ends_on__gte=today, ends_on__lte=today + dt.timedelta(days=days), **still)

    return scene


def ended(**still: Any) -> SceneFilter:
    """A scene: the rows (filtered by `still`) whose end date has passed."""
    return lambda qs, user: qs.filter(ends_on__lt=timezone.localdate(), **still)


def readers_own(path: str = "owner_id", **still: Any) -> SceneFilter:
    """A scene "mine": the rows whose `path` is the reader (filtered by `still`)."""
    return lambda qs, user: qs.filter(**{path: user.pk}, **still)


def status_field(model: Any, label: Any = None) -> Field:
    """The quick status filter over the model's Status choices."""
    return Field(
        "status", label or _("Status"), "status", "choice", choices=choices_of(model.Status.choices), quick=True
    )


@register
class AssetList(ScopedList):
    key = "assets"
    title = _("Customer assets")
    model = Asset
    permission = "assets.view"
    url_name = "service:asset_list"
    search_placeholder = _("Plate, policy or serial number, or name")
    export_permission = "assets.export"
    create_url_name = "service:asset_create"
    create_permission = "assets.create"
    create_label = _("New asset")
    default_sort = "-created"
    template = "service/lists/assets.html"
    empty = EmptyState(
        _("No assets yet."),
        _("Record what a customer holds with us: equipment with its serial number, a vehicle with its plate and "
          "policy, a service term."),
        icon="shield-check",
    )  # fmt: skip
    no_action_text = _("Your role does not record assets.")

    columns = (
        Column("name", _("Asset"), template=CELLS + "asset.html", sort=("name",), fixed=True),
        Column(
            "customer",
            _("Customer"),
            value=lambda a: a.customer.name,
            template=CELLS + "customer.html",
            sort=("customer__name_sort",),
        ),  # fmt: skip
        Column("kind", _("Kind"), value=lambda a: a.get_kind_display(), sort=("kind",), phone_inline=True),
        Column("plate_number", _("Plate number"), sort=("plate_number",)),
        Column("policy_number", _("Policy number"), sort=("policy_number",)),
        Column("serial_number", _("Serial number"), sort=("serial_number",), default=False),
        Column(
            "product",
            _("Product"),
            value=lambda a: str(a.product.name if a.product else ""),
            default=False,
            phone=False,
        ),  # fmt: skip
        date_column("starts_on", _("Start date"), default=False),
        date_column("ends_on", _("End date"), phone=True),
        Column(
            "status",
            _("Status"),
            value=lambda a: a.get_status_display(),
            template=CELLS + "asset_status.html",
            sort=("status",),
            phone_inline=True,
        ),  # fmt: skip
        Column("previous_insurer", _("Previous insurer"), default=False, phone=False),
        Column(
            "created",
            _("Created"),
            value=lambda a: a.created_at,
            template="commerce/cells/date.html",
            sort=("created_at",),
            default=False,
            phone=False,
        ),  # fmt: skip
    )
    fields = (
        Field("kind", _("Kind"), "kind", "choice", choices=dictionary_choices("asset_kind"), quick=True),
        status_field(Asset),
        Field("ends_on", _("End date"), "ends_on", "date", quick=True),
        Field("starts_on", _("Start date"), "starts_on", "date"),
        Field("owner", _("Customer owner"), "customer__owner_id", "user", choices=people),
        Field("created", _("Created"), "created_at", "datetime"),
    )
    scenes = (
        Scene("all", _("All"), lambda qs, user: qs),
        Scene("mine", _("My customers'"), readers_own("customer__owner_id")),
        Scene("expiring", _("Ending within 60 days"), ending_within(EXPIRING_DAYS, status=Asset.Status.ACTIVE)),
        Scene("expired", _("Expired"), lambda qs, user: qs.filter(status=Asset.Status.EXPIRED)),
    )
    bulk_actions = (
        BulkAction(
            "delete", _("Delete"), "trash", "assets.delete",
            bulk(lambda actor, ids, data: services.assets_delete(actor=actor, ids=ids)),
            confirm=_("The assets move to the recycle bin."), danger=True,
        ),
    )  # fmt: skip

    def select(self, *, user: Any, params: QueryDict, action: str) -> QuerySet[Any]:
        return selectors.asset_list(user=user, action=action)

    def context(self, *, user: Any, params: QueryDict) -> dict[str, Any]:
        return {"can_import": has_permission(user, "assets.import")}

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return selectors.identifier_search(qs, text)

    def row_url(self, row: Any) -> str:
        return reverse("service:asset_detail", args=[row.pk])


def _overdue(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    return qs.filter(status__in=OPEN, due_at__lt=timezone.now())


@register
class TicketList(ScopedList):
    key = "tickets"
    import_kind = "tickets"  # the ⋯ menu offers the spreadsheet import to who may import
    title = _("Tickets")
    model = Ticket
    permission = "tickets.view"
    url_name = "service:ticket_list"
    search_placeholder = _("Ticket number, subject, plate or policy number")
    export_permission = "tickets.export"
    create_url_name = "service:ticket_create"
    create_permission = "tickets.create"
    create_label = _("New ticket")
    default_sort = "-created"
    empty = EmptyState(
        _("No tickets here."),
        _("A ticket is a customer's request: a consultation, complaint, repair, claim or installation."),
        icon="headset",
    )
    no_action_text = _("Your role does not log tickets.")

    columns = (
        Column(
            "number",
            _("Ticket"),
            value=lambda t: f"{t.number} {t.subject}",
            template=CELLS + "ticket.html",
            sort=("number",),
            fixed=True,
        ),  # fmt: skip
        Column(
            "customer",
            _("Customer"),
            value=lambda t: t.customer.name,
            template=CELLS + "customer.html",
            sort=("customer__name_sort",),
        ),  # fmt: skip
        Column("type", _("Type"), value=lambda t: t.get_type_display(), sort=("type",), phone_inline=True),
        Column(
            "priority",
            _("Priority"),
            value=lambda t: t.get_priority_display(),
            template=CELLS + "priority.html",
            sort=("priority",),
            phone_inline=True,
        ),  # fmt: skip
        Column(
            "status",
            _("Status"),
            value=lambda t: t.get_status_display(),
            template=CELLS + "ticket_status.html",
            sort=("status",),
            phone_inline=True,
        ),  # fmt: skip
        Column("owner", _("Owner"), value=lambda t: str(t.owner or ""), sort=("owner__name",)),
        Column("channel", _("Channel"), value=lambda t: t.get_channel_display(), default=False, phone=False),
        Column(
            "created",
            _("Created"),
            value=lambda t: t.created_at,
            template=CELLS + "datetime.html",
            sort=("created_at",),
        ),  # fmt: skip
        Column(
            "due", _("Due"), value=lambda t: t.due_at, template=CELLS + "datetime.html", sort=("due_at",), default=False
        ),  # fmt: skip
    )
    fields = (
        status_field(Ticket),
        Field("type", _("Type"), "type", "choice", choices=dictionary_choices("ticket_type"), quick=True),
        Field(
            "priority", _("Priority"), "priority", "choice", choices=choices_of(Ticket.Priority.choices), quick=True
        ),  # fmt: skip
        Field("owner", _("Owner"), "owner_id", "user", choices=people, quick=True),
        Field("channel", _("Channel"), "channel", "choice", choices=dictionary_choices("ticket_channel")),
        Field("created", _("Created"), "created_at", "datetime"),
        # the SLA figures' drill-downs: resolved (resolved_from / resolved_to) or breached in a period
        Field("resolved", _("Resolved at"), "resolved_at", "datetime"),
        Field("breached", _("SLA breached at"), "sla_breached_at", "datetime"),
    )
    scenes = (
        Scene("open", _("Open"), lambda qs, user: qs.filter(status__in=OPEN)),
        Scene("mine", _("Mine"), readers_own(status__in=OPEN)),
        Scene("unassigned", _("Unassigned"), lambda qs, user: qs.filter(owner__isnull=True, status__in=OPEN)),
        Scene("overdue", _("Overdue"), _overdue),
        Scene(
            "complaints",
            _("Complaints"),
            lambda qs, user: qs.filter(type__in=selectors.complaint_types(), status__in=OPEN),
        ),
        Scene("all", _("All"), lambda qs, user: qs),
    )

    def select(self, *, user: Any, params: QueryDict, action: str) -> QuerySet[Any]:
        return selectors.ticket_list(user=user, action=action)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return selectors.identifier_search(qs, text)

    def row_url(self, row: Any) -> str:
        return reverse("service:ticket_detail", args=[row.pk])
