"""The opportunity list, declared for the shared list toolkit (guanxi.org.lists): scenes (all, mine, my
subordinates', I collaborate on), filters on status, stage, owner, expected signing date and amount, the bulk bar
(transfer, move to a stage, delete), the stage, signing-date and owner cells, and the export. The kanban board stays
its own page, linked from the list's header. Registered in SalesConfig.ready(); the page is
`list_page("opportunities")`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.inputs import field_error
from guanxi.org.lists.choices import dictionary_choices, per_request, static_choices, user_choices
from guanxi.org.lists.spec import (
    BulkAction,
    BulkResult,
    Choice,
    Column,
    EmptyState,
    Field,
    InlineEdit,
    ListDefinition,
    Scene,
)
from guanxi.org.models import User
from guanxi.org.policies import has_permission, scope_queryset, subordinate_ids

from . import selectors, services
from .filters import apply_search
from .models import LostReason, Opportunity, Stage


def _owners(user: Any) -> list[User]:
    return per_request(
        user, "opportunities:owners", lambda: list(selectors.owner_choices(user=user).select_related("department"))
    )


def _owner_choices(user: Any) -> list[Choice]:
    # the filter and the owner cell offer names only: read as values (the bulk actions' owners stay models)
    return per_request(user, "opportunities:owner_choices", lambda: user_choices(selectors.owner_choices(user=user)))


def _open_stages(user: Any) -> list[Stage]:
    return per_request(user, "opportunities:stages", lambda: selectors.stage_choices(open_only=True))


def _stage_choices(user: Any) -> list[Choice]:
    stages = _open_stages(user)
    several = len({s.pipeline_id for s in stages}) > 1
    return [Choice(str(s.pk), f"{s.pipeline} · {s}" if several else str(s)) for s in stages]


def _pipeline_choices(user: Any) -> list[Choice]:
    return [Choice(str(p.pk), str(p)) for p in per_request(user, "opportunities:pipelines", selectors.pipelines)]


def _department_choices(user: Any) -> list[Choice]:
    from guanxi.customers.selectors import department_choices

    return [
        Choice(str(d.pk), d.name)
        for d in per_request(user, "opportunities:departments", lambda: list(department_choices()))
    ]


# --- the stage, signing-date and owner cells ----------------------------------------------------------------------
def _in_scope(user: Any, rows: list[Opportunity], action: str) -> set[int]:
    """Ids of `rows` the user may `action` (one query per page and action, cached for the request)."""
    if not has_permission(user, f"opportunities.{action}"):
        return set()
    ids = tuple(sorted(r.pk for r in rows))

    def load() -> set[int]:
        qs = scope_queryset(user, Opportunity.objects.filter(pk__in=ids), action)
        return set(qs.values_list("pk", flat=True))

    return per_request(user, f"opportunities:{action}:{ids}", load)


def _editable(user: Any, rows: list[Opportunity]) -> set[int]:
    return _in_scope(user, rows, "edit")


def _stage_editable(user: Any, rows: list[Opportunity]) -> set[int]:
    open_ids = {r.pk for r in rows if r.status == Opportunity.Status.OPEN}
    return _in_scope(user, rows, "edit") & open_ids


def _assignable(user: Any, rows: list[Opportunity]) -> set[int]:
    return _in_scope(user, rows, "assign")


def _stage(value: str) -> Stage:
    stage = selectors.stage_get(pk=value)
    if stage is None:
        raise field_error("stage", _("Choose a stage."))
    return stage


def _save_stage(actor: Any, row: Opportunity, value: str, version: int) -> Opportunity:
    return services.opportunity_move_stage(actor=actor, opportunity=row, stage=_stage(value), expected_version=version)


def _save_close_date(actor: Any, row: Opportunity, value: str, version: int) -> Opportunity:
    try:
        date = dt.date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        raise field_error("expected_close_date", _("Enter a date as yyyy-mm-dd.")) from None
    return services.opportunity_update(
        actor=actor, opportunity=row, data={"expected_close_date": date}, expected_version=version
    )


def _save_owner(actor: Any, row: Opportunity, value: str, version: int) -> Opportunity:
    owner = next((u for u in _owners(actor) if str(u.pk) == value), None)
    if owner is None:
        raise field_error("owner", _("Choose the new owner."))
    return services.opportunity_assign(actor=actor, opportunity=row, owner=owner, expected_version=version)


# --- the bulk bar -------------------------------------------------------------------------------------------------
def _bulk_transfer(actor: Any, ids: list[int], data: QueryDict) -> BulkResult:
    owner = next((u for u in _owners(actor) if str(u.pk) == data.get("owner", "")), None)
    if owner is None:
        raise field_error("owner", _("Choose the new owner."))
    moved, skipped = services.opportunity_bulk_transfer(actor=actor, opportunity_ids=ids, owner=owner)
    message = _("Updated %(moved)s, skipped %(skipped)s (no permission or already theirs).") % {
        "moved": moved,
        "skipped": skipped,
    }
    return BulkResult(done=moved, skipped=skipped, message=message)


def _bulk_stage(actor: Any, ids: list[int], value: str) -> BulkResult:
    stage = _stage(value)
    moved, skipped = services.opportunity_bulk_move_stage(actor=actor, opportunity_ids=ids, stage=stage)
    message = _(
        "Moved %(moved)s to “%(stage)s”, skipped %(skipped)s (out of your reach, closed, in another pipeline, "
        "already there or missing a field the stage requires)."
    ) % {"moved": moved, "stage": stage, "skipped": skipped}
    return BulkResult(done=moved, skipped=skipped, message=message)


def _bulk_delete(actor: Any, ids: list[int], data: QueryDict) -> BulkResult:
    deleted, skipped = services.opportunity_bulk_delete(actor=actor, opportunity_ids=ids)
    message = _("Moved %(deleted)s to the recycle bin, skipped %(skipped)s (no permission).") % {
        "deleted": deleted,
        "skipped": skipped,
    }
    return BulkResult(done=deleted, skipped=skipped, message=message)


# --- scenes -------------------------------------------------------------------------------------------------------
def _mine(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    return qs.filter(owner=user)


def _subordinates(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    return qs.filter(owner_id__in=subordinate_ids(user))


def _collaborating(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    through = Opportunity.collaborators.through.objects.filter(user=user)
    return qs.filter(pk__in=through.values("opportunity_id"))


def _lost_reason_choices(user: Any) -> list[Choice]:
    return [Choice(str(r.pk), str(r)) for r in LostReason.objects.order_by("name")]


class OpportunityList(ListDefinition):
    key = "opportunities"
    import_kind = "opportunities"  # the ⋯ menu offers the spreadsheet import to who may import
    title = gettext_lazy("Opportunities")
    model = Opportunity
    permission = "opportunities.view"
    url_name = "sales:opportunity_list"
    template = "sales/opportunities/list.html"
    search_placeholder = gettext_lazy("Opportunity or customer name")
    export_permission = "opportunities.export"
    create_url_name = "sales:opportunity_create"
    create_permission = "opportunities.create"
    create_label = gettext_lazy("New opportunity")
    default_sort = "-created"
    empty = EmptyState(
        gettext_lazy("No opportunities here"),
        gettext_lazy("A deal is opened for a customer: from its page, from a converted lead, or with New opportunity."),
        icon="briefcase",
    )
    no_action_text = gettext_lazy("Deals appear here when you own one or collaborate on one.")
    param_labels = {
        "amount_min": gettext_lazy("Min. amount"),
        "amount_max": gettext_lazy("Max. amount"),
        "expected_from": gettext_lazy("Expected from"),
        "expected_to": gettext_lazy("Expected to"),
        "entered_from": gettext_lazy("Entered from"),
        "entered_to": gettext_lazy("Entered to"),
        "onward": gettext_lazy("Also entered the next stage"),
        "left_from": gettext_lazy("Left from"),
        "left_to": gettext_lazy("Left to"),
        "stalled": gettext_lazy("Stalled"),
    }

    scenes = (
        Scene("all", gettext_lazy("All"), lambda qs, user: qs),
        Scene("mine", gettext_lazy("Mine"), _mine),
        Scene(
            "subordinates", gettext_lazy("My subordinates'"), _subordinates, visible=lambda u: bool(subordinate_ids(u))
        ),
        Scene("collaborating", gettext_lazy("I collaborate on"), _collaborating),
    )
    columns = (
        Column("name", gettext_lazy("Name"), sort=("name_sort",), fixed=True),
        Column("customer", gettext_lazy("Customer"), value=lambda o: o.customer.name, sort=("customer__name_sort",)),
        Column(
            "stage",
            gettext_lazy("Stage"),
            value=lambda o: str(o.stage) if o.status == Opportunity.Status.OPEN else o.get_status_display(),
            template="sales/cells/opportunity_stage.html",
            phone_inline=True,
            sort=("stage__sort_order",),
            inline=InlineEdit(
                "choice", _save_stage, _stage_editable, choices=_stage_choices, current=lambda o: o.stage_id
            ),
        ),
        Column(
            "amount",
            gettext_lazy("Amount"),
            value=lambda o: o.amount,
            template="sales/cells/money.html",
            sort=("amount",),
            numeric=True,
        ),
        Column(
            "close",
            gettext_lazy("Expected signing date"),
            value=lambda o: o.expected_close_date,
            template="sales/cells/date.html",
            sort=("expected_close_date",),
            inline=InlineEdit("date", _save_close_date, _editable, current=lambda o: o.expected_close_date),
        ),
        Column(
            "owner",
            gettext_lazy("Owner"),
            value=lambda o: str(o.owner),
            inline=InlineEdit("user", _save_owner, _assignable, choices=_owner_choices),
        ),
        Column("probability", gettext_lazy("Probability (%)"), numeric=True, default=False, phone=False),
        Column("status", gettext_lazy("Status"), value=lambda o: o.get_status_display(), default=False, phone=False),
        Column("pipeline", gettext_lazy("Pipeline"), value=lambda o: str(o.pipeline), default=False, phone=False),
        Column(
            "department",
            gettext_lazy("Department"),
            value=lambda o: str(o.department) if o.department_id else "",
            default=False,
            phone=False,
        ),
        Column("source", gettext_lazy("Source"), value=lambda o: o.get_source_display(), default=False, phone=False),
        Column("next_step", gettext_lazy("Next step"), default=False, phone=False),
        Column(
            "created",
            gettext_lazy("Created"),
            value=lambda o: o.created_at,
            template="sales/cells/datetime.html",
            sort=("created_at",),
            default=False,
            phone=False,
        ),
        Column(
            "updated",
            gettext_lazy("Updated"),
            value=lambda o: o.updated_at,
            template="sales/cells/datetime.html",
            sort=("updated_at",),
            default=False,
            phone=False,
        ),
    )
    fields = (
        Field(
            "status",
            gettext_lazy("Status"),
            "status",
            "choice",
            choices=static_choices(Opportunity.Status.choices),
            quick=True,
        ),
        Field(
            "stage",
            gettext_lazy("Stage"),
            "stage_id",
            "choice",
            choices=_stage_choices,
            quick=True,
            bulk_edit=_bulk_stage,
            bulk_permission="opportunities.edit",
        ),
        Field("owner", gettext_lazy("Owner"), "owner_id", "user", choices=_owner_choices, quick=True),
        Field("close", gettext_lazy("Expected signing date"), "expected_close_date", "date", quick=True),
        Field("amount", gettext_lazy("Amount"), "amount", "money"),
        Field("customer", gettext_lazy("Customer"), "customer__name", "text"),
        Field("pipeline", gettext_lazy("Pipeline"), "pipeline_id", "ref", choices=_pipeline_choices),
        Field("department", gettext_lazy("Department"), "department_id", "ref", choices=_department_choices),
        Field("source", gettext_lazy("Source"), "source", "choice", choices=dictionary_choices("opportunity_source")),
        Field("created", gettext_lazy("Created"), "created_at", "datetime"),
        Field("closed", gettext_lazy("Closed at"), "closed_at", "datetime"),
        Field("lost_reason", gettext_lazy("Lost reason"), "lost_reason_id", "ref", choices=_lost_reason_choices),
        # The funnel's drill-down (filters.OpportunityFilter reads it with entered_from/entered_to).
        Field("entered", gettext_lazy("Entered stage"), "", "choice", choices=_stage_choices, own=True),
        Field("left", gettext_lazy("Left stage"), "", "choice", choices=_stage_choices, own=True),
        # The targets page's forecast (filters.OpportunityFilter reads it: several categories at once).
        Field(
            "forecast",
            gettext_lazy("Forecast category"),
            "forecast_category",
            "choice",
            choices=static_choices(Opportunity.ForecastCategory.choices),
            own=True,
        ),
    )
    bulk_actions = (
        BulkAction(
            "transfer",
            gettext_lazy("Transfer"),
            "arrows-exchange",
            "opportunities.assign",
            _bulk_transfer,
            form_template="sales/lists/_opportunity_transfer_form.html",
        ),
        BulkAction(
            "delete",
            gettext_lazy("Delete"),
            "trash",
            "opportunities.delete",
            _bulk_delete,
            confirm=gettext_lazy(
                "They move to the recycle bin with their stage history and disappear from lists, the board and the "
                "funnel. A manager can restore them from the recycle bin."
            ),
            danger=True,
        ),
    )

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors.opportunity_list(user=user, filters=params)

    def export_rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors.opportunity_list(user=user, filters=params, action="export")

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return apply_search(qs, text)

    def row_url(self, row: Any) -> str:
        return reverse("sales:opportunity_detail", args=[row.pk])

    def context(self, *, user: Any, params: QueryDict) -> dict[str, Any]:
        return {"owners": _owners(user) if has_permission(user, "opportunities.assign") else []}
