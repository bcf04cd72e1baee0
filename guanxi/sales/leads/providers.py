"""What leads register at start-up: the read rule of owner-less leads, navigation, global search, the hand-over
and the data export of a leaver's leads, and the spreadsheet importer."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import (
    EventType,
    HandoverKind,
    LeaverExport,
    NavItem,
    NotificationTopic,
    QuickCreate,
    ReadRule,
    SearchSource,
    registry,
)
from guanxi.core.search_rows import USER_STR, under


def _owner_less_leads(user: Any) -> Any:
    from .selectors import owner_less_leads

    return owner_less_leads(user)


# A lead without an owner is in nobody's data scope; this rule opens the queues (see sales.leads.selectors).
registry.add_read_rule(ReadRule(key="leads:owner_less", model="sales.lead", rows=_owner_less_leads, actions=None))


def _lead_rows(*, user: Any, query: str, limit: int) -> Any:
    from .selectors import search_leads

    return search_leads(user=user, query=query, limit=limit)


def _lead_hit(lead: Any) -> dict[str, Any]:
    return {
        "kind": "lead",
        "title": str(lead),
        "subtitle": " · ".join(filter(None, [lead.get_status_display(), lead.city, str(lead.owner or "")])),
        "url": reverse("sales:lead_detail", args=[lead.pk]),
    }


def _leads_hand_over(**kwargs: Any) -> int:
    from .services import leads_hand_over

    return leads_hand_over(**kwargs)


def _count_open_leads(*, leaving: Any) -> int:
    from .models import CLOSED_STATUSES, Lead

    return Lead.objects.filter(owner=leaving).exclude(status__in=CLOSED_STATUSES).count()


def _leads_table(*, actor: Any, leaving: Any) -> Any:
    from .selectors import leaver_leads_table

    return leaver_leads_table(user=actor, leaving=leaving)


registry.add_nav(
    NavItem(
        key="leads",
        label=_("Leads"),
        url_name="sales:lead_list",
        icon="ti-target-arrow",
        order=20,
        permission="leads.view",
    )
)


def _lead_probes(*, user: Any, query: str) -> list[tuple[Any, str, list[str]]]:
    from guanxi.org.policies import has_permission

    from .filters import apply_search_probes

    if not has_permission(user, "leads.view"):
        return []
    return list(apply_search_probes(query))


registry.add_search(
    SearchSource(
        key="leads",
        label=_("Leads"),
        rows=_lead_rows,
        fields=("company_name", "person_name", "status", "city", *under("owner", USER_STR)),
        hit=_lead_hit,
        order=30,
        probes=_lead_probes,
    )
)
registry.add_handover_kind(
    HandoverKind(key="leads", label=_("Open leads"), count=_count_open_leads, hand_over=_leads_hand_over, order=20)
)
registry.add_leaver_export(LeaverExport(key="leads", label=_("Leads"), table=_leads_table, order=20))

# The spreadsheet importer for leads (written with the import engine in guanxi/core/imports).
from . import importers as _importers  # noqa: E402,F401

registry.add_quick_create(
    QuickCreate(
        key="lead",
        label=_("Lead"),
        url_name="sales:lead_create",
        icon="ti-target-arrow",
        permission="leads.create",
        order=50,
    )
)

registry.add_notification_topic(
    NotificationTopic(
        key="leads",
        label=_("Leads"),
        kinds=("lead_assigned", "lead_unassigned"),
        help=_("Leads assigned to you or taken back."),
        order=50,
    )
)


# --- business events (webhooks) -----------------------------------------------------------------------------
def _lead_out(obj: Any) -> dict[str, Any]:
    from guanxi.core.events import api_shape

    from .schemas import LeadOut

    return api_shape(LeadOut)(obj)


registry.add_event_type(
    EventType(key="lead.assigned", label=_("Lead assigned"), model="sales.lead", serialise=_lead_out, order=20)
)
