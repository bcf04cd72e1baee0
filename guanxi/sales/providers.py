"""What the sales app registers with lower apps at start-up: its permission module, navigation,
global search and the hand-over of a leaver's leads."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import (
    DefaultGrants,
    FileKind,
    HandoverKind,
    LeaverExport,
    NavItem,
    PeriodicJob,
    ReadRule,
    RecordTab,
    SearchSource,
    registry,
)
from guanxi.org.policies import register_module

register_module("leads", _("Leads"), ["view", "create", "edit", "delete", "export", "import", "assign"])

# The default roles' grants in leads and opportunities (org/roles.py holds the roles themselves).
# Leads (商机线索): reps work the leads they own; front desk / marketing and business managers enter,
# screen and assign them (screening needs "assign"; leads without an owner are visible to "assign").
_LEADS_REP = ["leads.view", "leads.edit"]
_LEADS_ROUTER = ["leads.view", "leads.create", "leads.edit", "leads.assign"]
_LEADS_MANAGER = _LEADS_ROUTER + ["leads.delete", "leads.export", "leads.import"]
# Opportunities (销售机会): reps work their own deals; managers also delete, reassign and confirm closings.
_OPP_REP = ["opportunities.view", "opportunities.create", "opportunities.edit"]
_OPP_MANAGER = _OPP_REP + [
    "opportunities.delete",
    "opportunities.assign",
    "opportunities.approve",
    "opportunities.export",
]
# 部门经理或销售助理…进行关闭确认: the department assistant reads the department's deals and confirms closings.
_OPP_ASSISTANT = ["opportunities.view", "opportunities.approve"]
registry.add_default_grants(
    DefaultGrants(
        app="sales",
        grants_by_role={
            "sales_rep": _LEADS_REP + _OPP_REP,
            "channel_rep": _LEADS_REP + _OPP_REP,
            "business_manager": _LEADS_MANAGER + _OPP_MANAGER,
            "department_manager": _LEADS_MANAGER + _OPP_MANAGER,
            "department_assistant": _LEADS_ROUTER + _OPP_ASSISTANT,
            "sales_management": _LEADS_MANAGER
            + ["opportunities.view", "opportunities.export", "opportunities.approve"],
            "executive": ["leads.view", "leads.export", "opportunities.view", "opportunities.export"],
            "service_agent": ["leads.create"],
            "marketing": _LEADS_ROUTER + ["leads.import", "leads.export"],
        },
    )
)


def _owner_less_leads(user: Any) -> Any:
    from .leads.selectors import owner_less_leads

    return owner_less_leads(user)


# A lead without an owner is in nobody's data scope; this rule opens the queues (see sales.leads.selectors).
registry.add_read_rule(ReadRule(key="leads:owner_less", model="sales.lead", rows=_owner_less_leads, actions=None))


def _search_leads(*, user: Any, query: str, limit: int) -> list[dict[str, Any]]:
    from .leads.selectors import search_leads

    return [
        {
            "kind": "lead",
            "title": str(lead),
            "subtitle": " · ".join(filter(None, [lead.get_status_display(), lead.city, str(lead.owner or "")])),
            "url": reverse("sales:lead_detail", args=[lead.pk]),
        }
        for lead in search_leads(user=user, query=query, limit=limit)
    ]


def _leads_hand_over(**kwargs: Any) -> int:
    from .leads.services import leads_hand_over

    return leads_hand_over(**kwargs)


def _count_open_leads(*, leaving: Any) -> int:
    from .leads.models import CLOSED_STATUSES, Lead

    return Lead.objects.filter(owner=leaving).exclude(status__in=CLOSED_STATUSES).count()


def _opportunities_hand_over(**kwargs: Any) -> int:
    from .opportunities.services import opportunities_hand_over

    return opportunities_hand_over(**kwargs)


def _count_open_opportunities(*, leaving: Any) -> int:
    from .opportunities.models import Opportunity

    return Opportunity.objects.filter(owner=leaving, status=Opportunity.Status.OPEN).count()


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
registry.add_search(SearchSource(key="leads", label=_("Leads"), search=_search_leads, order=30))
registry.add_handover_kind(
    HandoverKind(key="leads", label=_("Open leads"), count=_count_open_leads, hand_over=_leads_hand_over, order=20)
)
registry.add_handover_kind(
    HandoverKind(
        key="opportunities",
        label=_("Open opportunities"),
        count=_count_open_opportunities,
        hand_over=_opportunities_hand_over,
        order=30,
    )
)

# The spreadsheet importer for leads (written with the import engine in guanxi/core/imports).
from .leads import importers as _importers  # noqa: E402,F401

# --- opportunities (销售机会) ----------------------------------------------------------------------
register_module(
    "opportunities", _("Opportunities"), ["view", "create", "edit", "delete", "export", "assign", "approve"]
)


def _customer_opportunities_tab(request: Any, customer: Any) -> tuple[int, str]:
    from .opportunities.views import customer_tab

    return customer_tab(request, customer)


registry.add_nav(
    NavItem(
        key="opportunities",
        label=_("Opportunities"),
        url_name="sales:opportunity_board",
        icon="ti-briefcase",
        order=28,
        permission="opportunities.view",
    )
)
registry.add_tab(
    RecordTab(
        model="customers.customer",
        key="opportunities",
        label=_("Opportunities"),
        render=_customer_opportunities_tab,
        order=30,
    )
)


def _opportunity_reminders() -> Any:
    from .opportunities.reminders import opportunity_send_reminders

    return opportunity_send_reminders()


def _opportunity_document_get(*, user: Any, pk: Any) -> Any:
    from .opportunities.selectors import document_get

    return document_get(user=user, pk=pk)


registry.add_file_kind(
    FileKind(
        key="opportunity-document",
        model="sales.opportunitydocument",
        field="file",
        label=_("Opportunity document"),
        get=_opportunity_document_get,
        file_name=lambda document: document.name,
    )
)
registry.add_periodic(PeriodicJob(key="opportunity_reminders", every_minutes=24 * 60, run=_opportunity_reminders))

# --- sales targets (业绩目标) and the monthly forecast snapshot ---------------------------------------


def _forecast_snapshot() -> Any:
    from .targets.services import forecast_snapshot_take

    return forecast_snapshot_take()


registry.add_nav(
    NavItem(
        key="sales_targets",
        label=_("Targets"),
        url_name="sales:targets",
        icon="ti-target",
        order=29,
        permission="opportunities.view",
    )
)
# Daily; forecast_snapshot_take writes at most one set per month.
registry.add_periodic(PeriodicJob(key="forecast_snapshot", every_minutes=24 * 60, run=_forecast_snapshot))

# Sales settings (pipelines, stages, lost reasons, competitors) for administrators; the funnel for everyone with deals.
registry.add_nav(
    NavItem(
        key="sales_admin",
        label=_("Sales settings"),
        url_name="sales:admin_pipeline_list",
        icon="ti-adjustments",
        order=905,
        permission="org.admin",
        match_prefix="/sales/admin/",
    )
)
registry.add_nav(
    NavItem(
        key="funnel",
        label=_("Sales funnel"),
        url_name="sales:opportunity_funnel",
        icon="ti-filter",
        order=30,
        permission="opportunities.view",
    )
)


# The demo company's opportunities, targets and forecast (after the customers; before quotes and contracts).
def _demo(**kwargs: Any) -> None:
    from .demo import demo_opportunities

    demo_opportunities(**kwargs)


registry.add_demo_step(_demo)

# --- customer merges: rows of this app that point at a merged-away customer move to the survivor ---------
from guanxi.customers.dedupe.services import FkMove  # noqa: E402

registry.add_merge_mover(FkMove("opportunities", "sales.Opportunity"))
registry.add_merge_mover(FkMove("converted_leads", "sales.Lead", "converted_customer"))


# --- a leaving user's data export: their leads and opportunities ------------------------------------------------
def _leads_table(*, actor: Any, leaving: Any) -> Any:
    from .leads.selectors import leaver_leads_table

    return leaver_leads_table(user=actor, leaving=leaving)


def _opportunities_table(*, actor: Any, leaving: Any) -> Any:
    from .opportunities.selectors import leaver_opportunities_table

    return leaver_opportunities_table(user=actor, leaving=leaving)


registry.add_leaver_export(LeaverExport(key="leads", label=_("Leads"), table=_leads_table, order=20))
registry.add_leaver_export(
    LeaverExport(key="opportunities", label=_("Opportunities"), table=_opportunities_table, order=30)
)
