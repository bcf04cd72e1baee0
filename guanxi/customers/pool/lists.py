"""The public pool (公海) list, declared for the shared list toolkit (guanxi.org.lists): scenes (all, my department's
pool, company-wide, given up by me), filters, the bulk bar (claim within the daily cap and cool-down, assign) and the
export. Registered in CustomersConfig.ready(); the page is `list_page("pool")`."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.inputs import field_error
from guanxi.org.lists.choices import dictionary_choices, per_request
from guanxi.org.lists.spec import BulkAction, BulkResult, Choice, Column, EmptyState, Field, ListDefinition, Scene
from guanxi.org.models import User
from guanxi.org.policies import department_tree_ids, has_permission

from ..filters import apply_search
from ..models import Customer
from . import policies, selectors, services
from .services import PoolActionResult


def _assignees(user: Any) -> list[User]:
    if not has_permission(user, "customers.assign"):
        return []
    return per_request(
        user, "pool:assignees", lambda: list(selectors.pool_assignee_choices(user=user).select_related("department"))
    )


def _previous_owner_choices(user: Any) -> list[Choice]:
    owners = per_request(user, "pool:previous", lambda: list(selectors.pool_previous_owner_choices(user=user)))
    return [Choice(str(u.pk), str(u)) for u in owners]


def _can_claim(user: Any) -> bool:
    return has_permission(user, "customers.create") and not (user.partner_org_id and not user.is_superuser)


def _report(result: PoolActionResult, text: str) -> BulkResult:
    """ "Claimed 3, skipped 1 (reason)": the service's reasons for what it skipped."""
    message = text % {"done": len(result.done), "skipped": len(result.skipped)}
    if result.skipped:
        message += f" ({'; '.join(result.reasons)})"
    return BulkResult(done=len(result.done), skipped=len(result.skipped), message=message)


def _bulk_claim(actor: Any, ids: list[int], data: QueryDict) -> BulkResult:
    return _report(services.pool_claim(actor=actor, customer_ids=ids), _("Claimed %(done)s, skipped %(skipped)s"))


def _bulk_assign(actor: Any, ids: list[int], data: QueryDict) -> BulkResult:
    owner = next((u for u in _assignees(actor) if str(u.pk) == data.get("owner", "")), None)
    if owner is None:
        raise field_error("owner", _("Choose who gets the customers."))
    result = services.pool_assign(actor=actor, customer_ids=ids, owner=owner)
    return _report(result, _("Assigned %(done)s, skipped %(skipped)s"))


def _days_in_pool(c: Customer) -> int | None:
    if c.pool_entered_at is None:
        return None
    return max(0, (timezone.now() - c.pool_entered_at).days)


def _my_department(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    return qs.filter(department_id__in=department_tree_ids(user.department))


class PoolList(ListDefinition):
    key = "pool"
    title = gettext_lazy("Public pool")
    model = Customer
    permission = "customers.view"
    url_name = "pool:list"
    template = "customers/pool/list.html"
    search_placeholder = gettext_lazy("Name, pinyin, phone, e-mail, credit code")
    export_permission = "customers.export"
    default_sort = "-entered"
    empty = EmptyState(
        gettext_lazy("The public pool is empty"),
        gettext_lazy(
            "Customers without a follow-up for too long, and those their owners give up, land here for colleagues "
            "to claim."
        ),
        icon="lifebuoy",
    )
    no_action_text = gettext_lazy("Nothing to claim for now: your own customers are under Customers.")
    param_labels = {
        "min_days": gettext_lazy("In the pool for at least (days)"),
        "max_days": gettext_lazy("In the pool for at most (days)"),
    }

    scenes = (
        Scene("all", gettext_lazy("All"), lambda qs, user: qs),
        Scene("department", gettext_lazy("My department's"), _my_department, visible=lambda u: bool(u.department_id)),
        Scene("company", gettext_lazy("Company-wide"), lambda qs, user: qs.filter(department__isnull=True)),
        Scene("given_up", gettext_lazy("Given up by me"), lambda qs, user: qs.filter(previous_owner=user)),
    )
    columns = (
        Column(
            "name", gettext_lazy("Name"), template="customers/pool/cells/name.html", sort=("name_sort",), fixed=True
        ),
        Column(
            "level",
            gettext_lazy("Level"),
            value=lambda c: c.get_level_display(),
            template="customers/cells/level.html",
            sort=("level",),
        ),
        Column(
            "region",
            gettext_lazy("Region"),
            value=lambda c: " ".join(dict.fromkeys(filter(None, [c.province, c.city]))),
            template="customers/pool/cells/nowrap.html",
        ),
        Column(
            "previous_owner",
            gettext_lazy("Previous owner"),
            value=lambda c: str(c.previous_owner) if c.previous_owner_id else "",
        ),
        Column(
            "entered",
            gettext_lazy("Days in pool"),
            value=_days_in_pool,
            template="customers/pool/cells/days.html",
            sort=("pool_entered_at",),
            numeric=True,
        ),
        Column("reason", gettext_lazy("Reason"), value=lambda c: c.pool_reason, phone=False),
        Column(
            "last_contact",
            gettext_lazy("Last contact"),
            value=lambda c: timezone.localdate(c.last_contact_at) if c.last_contact_at else None,
            template="customers/pool/cells/date.html",
            sort=("last_contact_at",),
            phone=False,
        ),
        Column("industry", gettext_lazy("Industry"), default=False, phone=False),
        Column(
            "department",
            gettext_lazy("Department"),
            value=lambda c: str(c.department) if c.department_id else "",
            default=False,
            phone=False,
        ),
        Column("source", gettext_lazy("Source"), value=lambda c: c.get_source_display(), default=False, phone=False),
    )
    fields = (
        Field(
            "level",
            gettext_lazy("Level"),
            "level",
            "choice",
            choices=dictionary_choices("customer_level"),
            quick=True,
        ),
        Field(
            "previous_owner",
            gettext_lazy("Previous owner"),
            "previous_owner_id",
            "user",
            choices=_previous_owner_choices,
            quick=True,
        ),
        Field("entered", gettext_lazy("In the pool since"), "pool_entered_at", "datetime", quick=True),
        Field("industry", gettext_lazy("Industry"), "industry", "text"),
        Field("province", gettext_lazy("Province"), "province", "text"),
        Field("last_contact", gettext_lazy("Last contact"), "last_contact_at", "datetime"),
        Field(
            "source",
            gettext_lazy("Source"),
            "source",
            "choice",
            choices=dictionary_choices("customer_source"),
        ),
    )
    bulk_actions = (
        BulkAction(
            "claim",
            gettext_lazy("Claim"),
            "hand-grab",
            "customers.create",
            _bulk_claim,
            confirm=gettext_lazy("Claim the selected customers? They become yours and count towards today’s limit."),
        ),
        BulkAction(
            "assign",
            gettext_lazy("Assign"),
            "user-share",
            "customers.assign",
            _bulk_assign,
            form_template="customers/pool/_assign_form.html",
        ),
    )

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors.pool_list(user=user, filters=params)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return apply_search(qs, text)

    def row_url(self, row: Any) -> str:
        return reverse("pool:detail", args=[row.pk])

    def context(self, *, user: Any, params: QueryDict) -> dict[str, Any]:
        can_claim = _can_claim(user)
        return {
            "assignees": _assignees(user),
            "claims": selectors.pool_claims_today(user=user) if can_claim else None,
            "can_manage_rules": policies.can_manage_rules(user),
        }
