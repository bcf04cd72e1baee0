"""What the service app registers with lower apps at start-up: its permission modules and default grants,
navigation, the customer 360 tabs (assets, service), global search by plate, policy and serial number, the
ticket owner's read rule, attachments, the service mailbox, merges, hand-over, notification topics, dictionaries
and its demo step."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import (
    CustomFieldTarget,
    DayCard,
    DefaultGrants,
    EventType,
    FileKind,
    HandoverKind,
    MailboxHandler,
    NavItem,
    NotificationTopic,
    PeriodicJob,
    QuickCreate,
    ReadRule,
    RecordTab,
    SearchSource,
    registry,
)
from guanxi.customers.dedupe.services import FkMove
from guanxi.org.policies import register_module

register_module("assets", _("Customer assets"), ["view", "create", "edit", "delete", "export", "import"])
register_module("tickets", _("Tickets"), ["view", "create", "edit", "assign", "delete", "export", "import"])

# The default roles' grants: agents work every ticket and keep assets up to date; the service manager assigns and
# exports too; a sales rep sees and logs requests and assets of their own customers; managers read and export.
_AGENT = ["assets.view", "assets.create", "assets.edit", "tickets.view", "tickets.create", "tickets.edit"]
_REP = ["assets.view", "assets.create", "assets.edit", "tickets.view", "tickets.create"]
_READ = ["assets.view", "tickets.view"]
registry.add_default_grants(
    DefaultGrants(
        app="service",
        grants_by_role={
            "sales_rep": _REP,
            "channel_rep": _REP,
            "business_manager": _REP,
            "department_manager": _REP + ["assets.export", "tickets.export"],
            "department_assistant": _REP,
            "sales_management": _READ + ["assets.export", "tickets.export"],
            "executive": _READ + ["assets.export", "tickets.export"],
            # No payments.view by default: payments name their contracts, which service roles do not read. An
            # administrator who grants it shows the caller view's receivables to them (docs/caller-view.md).
            "service_agent": _AGENT + ["tickets.assign"],
            "service_manager": _AGENT
            + ["tickets.assign", "tickets.delete", "tickets.export", "tickets.import"]
            + ["assets.delete", "assets.export", "assets.import"],
        },
    )
)


# --- navigation ------------------------------------------------------------------------------------------
registry.add_nav(
    NavItem(
        key="tickets", label=_("Tickets"), url_name="service:ticket_list", icon="ti-headset", order=40,
        permission="tickets.view", match_prefix="/service/tickets/",
    )
)  # fmt: skip
registry.add_nav(
    NavItem(
        key="assets", label=_("Customer assets"), url_name="service:asset_list", icon="ti-shield-check", order=41,
        permission="assets.view", match_prefix="/service/assets/",
    )
)  # fmt: skip
registry.add_quick_create(
    QuickCreate(key="ticket", label=_("Ticket"), url_name="service:ticket_create", icon="ti-headset",
                permission="tickets.create", order=60)
)  # fmt: skip


# --- the customer 360 page --------------------------------------------------------------------------------
def _assets_tab(request: Any, customer: Any) -> Any:
    from .views import customer_assets_tab

    return customer_assets_tab(request, customer)


def _tickets_tab(request: Any, customer: Any) -> Any:
    from .views import customer_tickets_tab

    return customer_tickets_tab(request, customer)


registry.add_tab(
    RecordTab(model="customers.customer", key="service", label=_("Service"), render=_tickets_tab, order=70)
)
registry.add_tab(RecordTab(model="customers.customer", key="assets", label=_("Assets"), render=_assets_tab, order=71))


# --- global search: an asset by plate, policy or serial number; a ticket by number -----------------------
def _asset_rows(*, user: Any, query: str, limit: int) -> Any:
    from .selectors import search_assets

    return search_assets(user=user, query=query, limit=limit)


def _asset_hit(a: Any) -> dict[str, Any]:
    return {
        "kind": "asset",
        "title": f"{a.customer.name} · {a.name}",
        "subtitle": " · ".join(filter(None, [a.plate_number, a.policy_number, a.serial_number])),
        "url": reverse("service:asset_detail", args=[a.pk]),
    }


def _ticket_rows(*, user: Any, query: str, limit: int) -> Any:
    from .selectors import search_tickets

    return search_tickets(user=user, query=query, limit=limit)


def _ticket_hit(t: Any) -> dict[str, Any]:
    return {
        "kind": "ticket",
        "title": f"{t.number} · {t.subject}",
        "subtitle": " · ".join([t.customer.name, t.get_status_display()]),
        "url": reverse("service:ticket_detail", args=[t.pk]),
    }


def _asset_probes(*, user: Any, query: str) -> list[tuple[Any, str, list[str]]]:
    from guanxi.org.policies import has_permission

    from .models import Asset
    from .selectors import identifier_search_probes

    if not has_permission(user, "assets.view"):
        return []
    return identifier_search_probes(Asset, query)


def _ticket_probes(*, user: Any, query: str) -> list[tuple[Any, str, list[str]]]:
    from guanxi.org.policies import has_permission

    from .models import Ticket
    from .selectors import identifier_search_probes

    if not has_permission(user, "tickets.view"):
        return []
    return identifier_search_probes(Ticket, query)


registry.add_search(
    SearchSource(
        key="assets",
        label=_("Customer assets"),
        rows=_asset_rows,
        fields=("name", "plate_number", "policy_number", "serial_number", "customer__name"),
        hit=_asset_hit,
        order=15,
        probes=_asset_probes,
    )
)
registry.add_search(
    SearchSource(
        key="tickets",
        label=_("Tickets"),
        rows=_ticket_rows,
        fields=("number", "subject", "status", "customer__name"),
        hit=_ticket_hit,
        order=80,
        probes=_ticket_probes,
    )
)


# --- who reads a ticket: the agent it is assigned to, besides the customer's scope ----------------------------
def _owned_tickets(user: Any) -> Any:
    from .models import Ticket

    return Q(pk__in=Ticket.objects.filter(owner_id=user.pk).values("pk"))


registry.add_read_rule(
    ReadRule(key="service.ticket_owner", model="service.ticket", rows=_owned_tickets, actions=("view", "edit"))
)


# --- files, merges, hand-over, notifications ------------------------------------------------------------
def _attachment_get(*, user: Any, pk: Any) -> Any:
    from .selectors import ticket_attachment_get

    return ticket_attachment_get(user=user, pk=pk)


registry.add_file_kind(
    FileKind(key="ticket-attachment", model="service.ticketattachment", field="file", label=_("Ticket attachment"),
             get=_attachment_get, file_name=lambda row: row.name)
)  # fmt: skip
registry.add_merge_mover(FkMove("assets", "service.Asset"))
registry.add_merge_mover(FkMove("tickets", "service.Ticket"))
registry.add_merge_mover(FkMove("renewals", "service.Renewal"))
registry.add_merge_mover(FkMove("stage runs", "service.StageRun"))


def _count_tickets(*, leaving: Any) -> int:
    from .models import Ticket

    return Ticket.objects.filter(owner=leaving).exclude(status__in=["resolved", "closed"]).count()


def _hand_over_tickets(**kwargs: Any) -> int:
    from .services import tickets_hand_over

    return tickets_hand_over(**kwargs)


registry.add_handover_kind(
    HandoverKind(key="tickets", label=_("Open tickets"), count=_count_tickets, hand_over=_hand_over_tickets, order=60)
)
registry.add_notification_topic(
    NotificationTopic(
        key="service",
        label=_("Tickets"),
        kinds=("ticket_",),
        help=_(
            "Tickets assigned to you, your tickets resolved, reopened or closed by someone else, SLA warnings and "
            "breaches."
        ),
        order=90,
    )
)


def _sla_check() -> Any:
    from .sla import sla_check

    return sla_check()


registry.add_periodic(PeriodicJob(key="service_ticket_sla", every_minutes=15, run=_sla_check))


def _service_mailboxes() -> Any:
    from .mailbox import service_mailboxes

    return service_mailboxes()


def _service_mail_file(**kwargs: Any) -> str:
    from .mailbox import service_mail_file

    return service_mail_file(**kwargs)


# The service desk's mailbox (settings from the environment): core's mail poll files its messages as tickets.
registry.add_mailbox_handler(MailboxHandler(key="service", mailboxes=_service_mailboxes, file=_service_mail_file))


def _register_dictionaries() -> None:
    from .dictionaries import SERVICE_DICTIONARIES

    registry.add_default_dictionaries(SERVICE_DICTIONARIES)


_register_dictionaries()


def _demo(**kwargs: Any) -> None:
    from .demo import service_demo_build

    service_demo_build(**kwargs)


registry.add_demo_step(_demo)

# --- the agent's day (我的工作台): the open tickets they handle, the nearest deadline first -----------------------
DAY_CARD_ROWS = 6


def _day_card(request: Any) -> str:
    from django.template.loader import render_to_string
    from django.utils import timezone

    from guanxi.org.policies import has_permission

    from .selectors import tickets_on_my_desk

    if not has_permission(request.user, "tickets.view"):
        return ""
    mine = tickets_on_my_desk(user=request.user)
    tickets = list(mine[:DAY_CARD_ROWS])
    if not tickets:
        return ""
    context = {"tickets": tickets, "count": mine.count(), "now": timezone.now()}
    return render_to_string("service/_day_card.html", context, request=request)


registry.add_day_card(DayCard(key="tickets", render=_day_card, order=15))

from . import importers as _importers  # noqa: E402,F401,I001  (spreadsheet import of customer assets)


# --- custom fields (自定义字段) on tickets and assets -------------------------------------------------------
registry.add_custom_field_target(
    CustomFieldTarget(
        model="service.ticket", label=_("Tickets"), module="tickets", order=70,
        search_text="guanxi.service.services.ticket_search_text",
    )
)  # fmt: skip
registry.add_custom_field_target(
    CustomFieldTarget(
        model="service.asset", label=_("Customer assets"), module="assets", order=71,
        search_text="guanxi.service.services.asset_search_text",
    )
)  # fmt: skip


# --- business events (webhooks): a ticket opened (any path: form, API, e-mail, web form, import), resolved, closed --
def _ticket_out(obj: Any) -> dict[str, Any]:
    from guanxi.core.events import api_shape

    from .schemas import TicketOut

    return api_shape(TicketOut)(obj)


for _key, _label, _order in (
    ("ticket.created", _("Ticket created"), 70),
    ("ticket.resolved", _("Ticket resolved"), 71),
    ("ticket.closed", _("Ticket closed"), 72),
):
    registry.add_event_type(
        EventType(key=_key, label=_label, model="service.ticket", serialise=_ticket_out, order=_order)
    )

from . import customer_filters as _customer_filters  # noqa: E402,F401  (assets on the customer list)
