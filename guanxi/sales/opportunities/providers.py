"""What opportunities register at start-up: navigation (board, funnel, sales settings), the customer 360 tab,
stage documents as a file kind, the daily reminders, the hand-over and data export of a leaver's deals, and the
demo company's deals."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import (
    CalendarSource,
    EventType,
    FileKind,
    HandoverKind,
    LeaverExport,
    NavItem,
    NotificationTopic,
    PeriodicJob,
    QuickCreate,
    RecordTab,
    SearchSource,
    registry,
)


def _opportunities_hand_over(**kwargs: Any) -> int:
    from .services import opportunities_hand_over

    return opportunities_hand_over(**kwargs)


def _count_open_opportunities(*, leaving: Any) -> int:
    from .models import Opportunity

    return Opportunity.objects.filter(owner=leaving, status=Opportunity.Status.OPEN).count()


def _opportunity_rows(*, user: Any, query: str, limit: int) -> Any:
    from .selectors import search_opportunities

    return search_opportunities(user=user, query=query, limit=limit)


def _opportunity_hit(opp: Any) -> dict[str, Any]:
    from django.urls import reverse

    return {
        "kind": "opportunity",
        "title": opp.name,
        "subtitle": " · ".join([opp.customer.name, opp.stage.name]),
        "url": reverse("sales:opportunity_detail", args=[opp.pk]),
    }


def _customer_opportunities_tab(request: Any, customer: Any) -> tuple[int, str]:
    from .views import customer_tab

    return customer_tab(request, customer)


def _opportunity_reminders() -> Any:
    from .reminders import opportunity_send_reminders

    return opportunity_send_reminders()


def _stage_totals_compact() -> Any:
    from .stage_totals import stage_totals_compact

    return {"rows": stage_totals_compact()}


def _opportunity_document_get(*, user: Any, pk: Any) -> Any:
    from .selectors import document_get

    return document_get(user=user, pk=pk)


def _opportunities_table(*, actor: Any, leaving: Any) -> Any:
    from .selectors import leaver_opportunities_table

    return leaver_opportunities_table(user=actor, leaving=leaving)


registry.add_handover_kind(
    HandoverKind(
        key="opportunities",
        label=_("Open opportunities"),
        count=_count_open_opportunities,
        hand_over=_opportunities_hand_over,
        order=30,
    )
)
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
# The board's kept totals (stage_totals): each write adds a row; folded into one per pipeline, stage and owner.
registry.add_periodic(PeriodicJob(key="opportunity_stage_totals_compact", every_minutes=5, run=_stage_totals_compact))
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
registry.add_leaver_export(
    LeaverExport(key="opportunities", label=_("Opportunities"), table=_opportunities_table, order=30)
)

registry.add_quick_create(
    QuickCreate(
        key="opportunity",
        label=_("Opportunity"),
        url_name="sales:opportunity_create",
        icon="ti-briefcase",
        permission="opportunities.create",
        order=60,
    )
)

registry.add_notification_topic(
    NotificationTopic(
        key="opportunities",
        label=_("Opportunities"),
        kinds=("opportunity_to_close", "opportunity_stalled", "opportunity_close_overdue", "opportunity_transfer"),
        help=_("Deals handed to you, near their closing date, stalled in a stage, or past the closing deadline."),
        order=60,
    )
)


# --- business events (webhooks) and the calendar feed ---------------------------------------------------------
def _opportunity_out(obj: Any) -> dict[str, Any]:
    from guanxi.core.events import api_shape

    from .schemas import OpportunityOut

    return api_shape(OpportunityOut)(obj)


def _opportunity_load(pk: Any) -> Any:
    from .models import Opportunity

    return Opportunity.all_objects.select_related("customer", "owner", "department", "pipeline", "stage").get(pk=pk)


for _key, _label, _order in (
    ("opportunity.stage_changed", _("Opportunity moved to another stage"), 30),
    ("opportunity.won", _("Opportunity won"), 31),
    ("opportunity.lost", _("Opportunity lost"), 32),
):
    registry.add_event_type(
        EventType(
            key=_key,
            label=_label,
            model="sales.opportunity",
            serialise=_opportunity_out,
            load=_opportunity_load,
            order=_order,
        )
    )


def _closing_entries(**kwargs: Any) -> Any:
    from .calendar_feed import closing_entries

    return closing_entries(**kwargs)


registry.add_calendar_source(
    CalendarSource(key="opportunity_closing", label=_("Expected signing dates"), entries=_closing_entries, order=30)
)


def _opportunity_probes(*, user: Any, query: str) -> list[tuple[Any, str, list[str]]]:
    from guanxi.org.policies import has_permission

    from .filters import apply_search_probes

    if not has_permission(user, "opportunities.view"):
        return []
    return apply_search_probes(query)


registry.add_search(
    SearchSource(
        key="opportunities",
        label=_("Opportunities"),
        rows=_opportunity_rows,
        fields=("name", "customer__name", "stage__name"),
        hit=_opportunity_hit,
        order=40,
        probes=_opportunity_probes,
    )
)

from . import importers as _importers  # noqa: E402,F401  (spreadsheet import of opportunities)
