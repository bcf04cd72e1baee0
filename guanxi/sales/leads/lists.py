"""The lead list, declared for the shared list toolkit (guanxi.org.lists): the queues as scenes (to screen, valid and
unassigned, mine, my subordinates', all), filters, the bulk bar (assign, assign by rules, delete), the owner and
status cells and the export. Registered in SalesConfig.ready(); the page is `list_page("leads")`."""

from __future__ import annotations

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
from guanxi.org.policies import has_permission, subordinate_ids

from . import selectors, services
from .filters import QUEUES, apply_search
from .models import Lead


def _can_assign(user: Any) -> bool:
    return has_permission(user, "leads.assign")


def _assignees(user: Any) -> list[User]:
    return per_request(
        user, "leads:assignees", lambda: selectors.lead_assignees(user=user) if _can_assign(user) else []
    )


def _assignee_choices(user: Any) -> list[Choice]:
    return [Choice(str(u.pk), str(u)) for u in _assignees(user)]


def _owner_choices(user: Any) -> list[Choice]:
    return per_request(user, "leads:owners", lambda: user_choices(selectors.lead_owner_choices(user=user)))


# --- the owner and status cells -----------------------------------------------------------------------------------
def _assignable(user: Any, rows: list[Lead]) -> set[int]:
    """Rows whose owner cell the reader may change: open leads in their reach for assigning."""
    if not _can_assign(user):
        return set()
    ids = [r.pk for r in rows if r.status in services.ASSIGNABLE]
    return set(selectors.lead_scope(user, Lead.objects.filter(pk__in=ids), "assign").values_list("pk", flat=True))


def _status_settable(user: Any, rows: list[Lead]) -> set[int]:
    """Rows whose status cell offers a step: screening an unowned lead (routers), starting an assigned lead's
    follow-up (whoever may edit it)."""
    screenable = [r.pk for r in rows if r.status in services.SCREENABLE and not r.owner_id]
    assigned = [r.pk for r in rows if r.status == Lead.Status.ASSIGNED]
    found: set[int] = set()
    if screenable and _can_assign(user):
        qs = selectors.lead_scope(user, Lead.objects.filter(pk__in=screenable), "assign")
        found |= set(qs.values_list("pk", flat=True))
    if assigned and has_permission(user, "leads.edit"):
        qs = selectors.lead_scope(user, Lead.objects.filter(pk__in=assigned), "edit")
        found |= set(qs.values_list("pk", flat=True))
    return found


def _save_owner(actor: Any, row: Lead, value: str, version: int) -> Lead:
    owner = next((u for u in _assignees(actor) if str(u.pk) == value), None)
    if owner is None:
        raise field_error("owner", _("Choose who gets the lead."))
    return services.lead_set_owner(actor=actor, lead=row, owner=owner, expected_version=version)


def _save_status(actor: Any, row: Lead, value: str, version: int) -> Lead:
    return services.lead_set_status(actor=actor, lead=row, status=value, expected_version=version)


def _status_choices(user: Any) -> list[Choice]:
    labels = dict(Lead.Status.choices)
    return [Choice(s.value, labels[s.value]) for s in services.INLINE_STATUSES]


# --- the bulk bar -------------------------------------------------------------------------------------------------
def _bulk_assign(actor: Any, ids: list[int], data: QueryDict) -> BulkResult:
    assignee = next((u for u in _assignees(actor) if str(u.pk) == data.get("assignee", "")), None)
    if assignee is None:
        raise field_error("assignee", _("Choose who gets the selected leads."))
    done, skipped = services.lead_assign(actor=actor, lead_ids=ids, assignee=assignee)
    message = _(
        "Assigned %(assigned)s lead(s) to %(user)s; skipped %(skipped)s (out of your reach, closed, or theirs already)."
    ) % {"assigned": len(done), "user": assignee, "skipped": len(skipped)}
    return BulkResult(done=len(done), skipped=len(skipped), message=message)


def _bulk_rules(actor: Any, ids: list[int], data: QueryDict) -> BulkResult:
    outcomes = services.lead_assign_by_rules(actor=actor, lead_ids=ids)
    assigned = sum(1 for o in outcomes if o.user is not None)
    message = _(
        "Rules assigned %(assigned)s lead(s); %(capped)s wait because every matching rep is at the cap; "
        "%(unmatched)s match no rule."
    ) % {
        "assigned": assigned,
        "capped": sum(1 for o in outcomes if o.reason == "at_capacity"),
        "unmatched": sum(1 for o in outcomes if o.reason == "no_rule"),
    }
    return BulkResult(done=assigned, skipped=len(ids) - assigned, message=message)


def _bulk_delete(actor: Any, ids: list[int], data: QueryDict) -> BulkResult:
    deleted, skipped = services.lead_bulk_delete(actor=actor, lead_ids=ids)
    message = _("Moved %(deleted)s to the recycle bin, skipped %(skipped)s (no permission).") % {
        "deleted": deleted,
        "skipped": skipped,
    }
    return BulkResult(done=deleted, skipped=skipped, message=message)


# --- scenes -------------------------------------------------------------------------------------------------------
def _screen(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    return qs.filter(status=Lead.Status.NEW)


def _unassigned(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    return qs.filter(status=Lead.Status.VALID, owner__isnull=True)


def _mine(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    return qs.filter(owner=user)


def _subordinates(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    return qs.filter(owner_id__in=subordinate_ids(user))


QUEUE_LABELS = dict(QUEUES)


class LeadList(ListDefinition):
    key = "leads"
    title = gettext_lazy("Leads")
    model = Lead
    permission = "leads.view"
    url_name = "sales:lead_list"
    template = "sales/lead_list.html"
    search_placeholder = gettext_lazy("Company, person, pinyin, mobile, e-mail, WeChat")
    export_permission = "leads.export"
    create_url_name = "sales:lead_create"
    create_permission = "leads.create"
    create_label = gettext_lazy("New lead")
    default_sort = "-created"
    empty = EmptyState(
        gettext_lazy("No leads here"),
        gettext_lazy("New leads from the website, phone calls and imports will appear here."),
        icon="target-arrow",
    )
    no_action_text = gettext_lazy(
        "Leads reach you when the front desk or your manager assigns them: you are notified, and they appear under "
        "Mine. Until then there is nothing to do here."
    )
    param_labels = {
        "created_after": gettext_lazy("Created from"),
        "created_before": gettext_lazy("Created to"),
        "unowned": gettext_lazy("Without owner"),
    }

    # Routers (leads.assign) start on the screening queue, everyone else on their own leads: the first tab shown.
    scenes = (
        Scene("screen", QUEUE_LABELS["screen"], _screen, visible=_can_assign),
        Scene("unassigned", QUEUE_LABELS["unassigned"], _unassigned, visible=_can_assign),
        Scene("mine", QUEUE_LABELS["mine"], _mine),
        Scene(
            "subordinates", gettext_lazy("My subordinates'"), _subordinates, visible=lambda u: bool(subordinate_ids(u))
        ),
        Scene("all", QUEUE_LABELS["all"], lambda qs, user: qs),
    )
    columns = (
        Column(
            "company",
            gettext_lazy("Lead"),
            value=str,
            template="sales/cells/lead_name.html",
            sort=("company_name", "person_name"),
            fixed=True,
        ),
        Column(
            "status",
            gettext_lazy("Status"),
            value=lambda r: r.get_status_display(),
            template="sales/cells/lead_status.html",
            phone_inline=True,
            inline=InlineEdit("choice", _save_status, _status_settable, choices=_status_choices),
        ),
        Column("source", gettext_lazy("Source"), value=lambda r: r.get_source_display(), phone=False),
        Column(
            "region",
            gettext_lazy("Region"),
            value=lambda r: " ".join(dict.fromkeys(filter(None, [r.province, r.city]))),
        ),
        Column("industry", gettext_lazy("Industry"), value=lambda r: r.get_industry_display(), phone=False),
        Column(
            "owner",
            gettext_lazy("Owner"),
            value=lambda r: str(r.owner) if r.owner_id else "",
            inline=InlineEdit("user", _save_owner, _assignable, choices=_assignee_choices),
        ),
        Column(
            "created",
            gettext_lazy("Created"),
            value=lambda r: r.created_at,
            template="sales/cells/datetime.html",
            sort=("created_at",),
            phone=False,
        ),
        Column(
            "assigned",
            gettext_lazy("Assigned at"),
            value=lambda r: r.assigned_at,
            template="sales/cells/datetime.html",
            sort=("assigned_at",),
            default=False,
            phone=False,
        ),
        Column(
            "updated",
            gettext_lazy("Updated"),
            value=lambda r: r.updated_at,
            template="sales/cells/datetime.html",
            sort=("updated_at",),
            default=False,
            phone=False,
        ),
        Column("mobile", gettext_lazy("Mobile"), default=False),
        Column("email", gettext_lazy("E-mail"), default=False, phone=False),
        Column("size", gettext_lazy("Size"), value=lambda r: r.get_size_display(), default=False, phone=False),
        Column("need", gettext_lazy("Need"), default=False, phone=False),
    )
    fields = (
        Field(
            "status",
            gettext_lazy("Status"),
            "status",
            "choice",
            choices=static_choices(Lead.Status.choices),
            quick=True,
        ),
        Field(
            "source",
            gettext_lazy("Source"),
            "source",
            "choice",
            choices=dictionary_choices("customer_source"),
            quick=True,
        ),
        Field("owner", gettext_lazy("Owner"), "owner_id", "user", choices=_owner_choices, quick=True),
        Field("created", gettext_lazy("Created"), "created_at", "datetime", quick=True),
        Field("province", gettext_lazy("Province"), "province", "text"),
        Field("industry", gettext_lazy("Industry"), "industry", "choice", choices=dictionary_choices("industry")),
        Field("size", gettext_lazy("Size"), "size", "choice", choices=dictionary_choices("company_size")),
        Field("assigned", gettext_lazy("Assigned at"), "assigned_at", "datetime"),
        Field("company", gettext_lazy("Company"), "company_name", "text"),
        # the web form's ?ref= (a campaign's leads: marketing links here)
        Field("referral", gettext_lazy("Source reference"), "referral", "text"),
    )
    bulk_actions = (
        BulkAction(
            "assign",
            gettext_lazy("Assign"),
            "user-check",
            "leads.assign",
            _bulk_assign,
            form_template="sales/lists/_lead_assign_form.html",
        ),
        BulkAction(
            "rules",
            gettext_lazy("Assign by rules"),
            "settings-automation",
            "leads.assign",
            _bulk_rules,
            confirm=gettext_lazy(
                "The assignment rules pick an owner for each selected new or valid lead without one; "
                "the others stay as they are."
            ),
        ),
        BulkAction(
            "delete",
            gettext_lazy("Delete"),
            "trash",
            "leads.delete",
            _bulk_delete,
            confirm=gettext_lazy(
                "They move to the recycle bin and disappear from lists and search. "
                "A manager can restore them from the recycle bin."
            ),
            danger=True,
        ),
    )

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors.lead_list(user=user, filters=params)

    def export_rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors.lead_list(user=user, filters=params, action="export")

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return apply_search(qs, text)

    def row_url(self, row: Any) -> str:
        return reverse("sales:lead_detail", args=[row.pk])

    def clean_params(self, *, params: QueryDict, warnings: list[str]) -> None:
        # Links from before the toolkit (notifications, bookmarks) name the tab `queue`.
        queue = params.get("queue")
        if queue is not None:
            params.pop("queue")
            if "scene" not in params and queue in QUEUE_LABELS:
                params["scene"] = queue

    def context(self, *, user: Any, params: QueryDict) -> dict[str, Any]:
        return {
            "assignees": _assignees(user),
            "can_assign": _can_assign(user),
            "can_import": has_permission(user, "leads.import"),
        }
