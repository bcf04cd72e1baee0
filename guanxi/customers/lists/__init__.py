"""The customer and contact lists, declared for the shared list toolkit (guanxi.org.lists): columns, filters,
scenes, bulk actions and export. Registered in CustomersConfig.ready(); the pages are `list_page("customers")`
and `list_page("contacts")` in urls.py."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.core.errors import ApplicationError, PermissionDeniedError, ValidationFailed
from guanxi.org.lists.choices import UserOption, dictionary_choices, user_options
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
from guanxi.org.policies import has_permission, permission_scope, scope_queryset, subordinate_ids

from .. import selectors, services
from ..filters import apply_search
from ..forms import FILTER_CHOICES, FILTER_LABELS, PROVINCES, TransferForm
from ..models import Customer


# --- choices, read once per request (cached on the request's user object) ---------------------------------------
def _cached(user: Any, name: str, load: Any) -> Any:
    cache = user.__dict__.setdefault("_gx_list_cache", {})
    if name not in cache:
        cache[name] = load()
    return cache[name]


def _users(user: Any) -> list[UserOption]:
    return _cached(user, "users", lambda: user_options(selectors.assignable_users(user=user)))


def _departments(user: Any) -> list[Any]:
    return _cached(user, "departments", lambda: list(selectors.department_choices()))


def _tags(user: Any) -> list[Any]:
    return _cached(user, "tags", lambda: list(selectors.tag_choices()))


def _static(choices: Any) -> Any:
    return lambda user: [Choice(v, label) for v, label in choices]


def _user_choices(user: Any) -> list[Choice]:
    return [Choice(str(u.pk), u.label) for u in _users(user)]


# --- inline edit and bulk edit ----------------------------------------------------------------------------------
def _editable(user: Any, rows: list[Customer]) -> set[int]:
    return selectors.customer_editable_ids(user=user, ids=[c.pk for c in rows])


def _assignable(user: Any, rows: list[Customer]) -> set[int]:
    if not has_permission(user, "customers.assign"):
        return set()
    ids = [c.pk for c in rows]
    return set(scope_queryset(user, Customer.objects.filter(pk__in=ids), "assign").values_list("pk", flat=True))


def _parse_code(key: str, field: str, message: Any) -> Any:
    """An inline or bulk edit's value: a code of the field's dictionary (the service refuses a retired one)."""

    def parse(raw: str) -> str:
        if dictionaries.entry(key, raw) is None:
            raise ValidationFailed(str(message), fields={field: [str(message)]})
        return raw

    return parse


_parse_status = _parse_code("customer_status", "status", gettext_lazy("Choose a status from the list."))
_parse_level = _parse_code("customer_level", "level", gettext_lazy("Choose a level from the list."))


def _parse_date(raw: str) -> dt.date | None:
    if not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip()[:10])
    except ValueError:
        raise ValidationFailed(
            _("Enter a date as yyyy-mm-dd."), fields={"next_follow_up_on": [_("Enter a date as yyyy-mm-dd.")]}
        ) from None


def _save_field(field: str, parse: Any) -> Any:
    def save(actor: Any, row: Customer, value: str, version: int) -> Customer:
        return services.customer_update(actor=actor, customer=row, data={field: parse(value)}, expected_version=version)

    return save


def _save_owner(actor: Any, row: Customer, value: str, version: int) -> Customer:
    owner = next((u for u in selectors.assignable_users(user=actor) if str(u.pk) == value), None)
    if owner is None:
        raise ValidationFailed(_("Choose the new owner."), fields={"owner": [_("Choose the new owner.")]})
    if row.version != version:
        from guanxi.core.services import check_version

        check_version(row, version)
    moved, _skipped = services.customer_transfer(actor=actor, customer_ids=[row.pk], new_owner=owner)
    if not moved and row.owner_id != owner.pk:
        raise PermissionDeniedError(_("You may not hand this customer to someone else."))
    return row


def _bulk_update(field: str, parse: Any) -> Any:
    def run(actor: Any, ids: list[int], value: str) -> BulkResult:
        parsed = parse(value)
        done = skipped = 0
        for customer in scope_queryset(actor, Customer.objects.filter(pk__in=ids), "view"):
            try:
                services.customer_update(actor=actor, customer=customer, data={field: parsed})
            except (PermissionDeniedError, ApplicationError):
                skipped += 1
            else:
                done += 1
        return BulkResult(done=done, skipped=len(ids) - done)

    return run


# --- bulk actions -----------------------------------------------------------------------------------------------
def _bulk_transfer(actor: Any, ids: list[int], data: QueryDict) -> BulkResult:
    form = TransferForm(data, users=selectors.assignable_users(user=actor))
    if not form.is_valid():
        raise ValidationFailed(_("Choose the new owner."), fields={"owner": [_("Choose the new owner.")]})
    moved, skipped = services.customer_transfer(
        actor=actor,
        customer_ids=ids,
        new_owner=form.cleaned_data["owner"],
        keep_as_collaborator=form.cleaned_data["keep_as_collaborator"],
    )
    return BulkResult(
        done=moved,
        skipped=skipped,
        message=_("Updated %(moved)s, skipped %(skipped)s (no permission or already theirs).")
        % {"moved": moved, "skipped": skipped},
    )


def _bulk_pool(actor: Any, ids: list[int], data: QueryDict) -> BulkResult:
    from ..pool.services.actions import customer_return_to_pool

    reason = data.get("reason", "")
    if not " ".join(reason.split()):
        msg = _("Give a reason for returning this customer to the pool.")
        raise ValidationFailed(msg, fields={"reason": [msg]})
    done = 0
    for customer in scope_queryset(actor, Customer.objects.filter(pk__in=ids), "view"):
        try:
            customer_return_to_pool(actor=actor, customer=customer, reason=reason)
        except ApplicationError:
            continue
        done += 1
    return BulkResult(
        done=done,
        skipped=len(ids) - done,
        message=_("Put %(done)s in the public pool, skipped %(skipped)s (no permission or not owned).")
        % {"done": done, "skipped": len(ids) - done},
    )


def _bulk_delete(actor: Any, ids: list[int], data: QueryDict) -> BulkResult:
    deleted, skipped = services.customer_bulk_delete(actor=actor, customer_ids=ids)
    return BulkResult(
        done=deleted,
        skipped=skipped,
        message=_("Moved %(deleted)s to the recycle bin, skipped %(skipped)s (no permission).")
        % {"deleted": deleted, "skipped": skipped},
    )


# --- scenes -----------------------------------------------------------------------------------------------------
def _mine(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    return qs.filter(owner=user)


def _subordinates(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    return qs.filter(owner_id__in=subordinate_ids(user))


def _collaborating(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    return qs.filter(pk__in=Customer.collaborators.through.objects.filter(user=user).values("customer_id"))


def _tags_text(c: Customer) -> str:
    return ", ".join(t.name for t in c.tags.all())


def _pool_return_day(c: Customer) -> Any:
    """The day the customer returns to the pool unless followed up (export: a date; empty when not watched)."""
    status = getattr(c, "pool_status", None)
    return status.returns_on if status is not None and status.countdown else None


CELLS = "customers/cells/"  # the lists' cell templates


class CustomerList(ListDefinition):
    key = "customers"
    title = gettext_lazy("Customers")
    model = Customer
    permission = "customers.view"
    url_name = "customers:list"
    template = "customers/customer_list.html"
    filters_template = "customers/_list_filters.html"
    search_placeholder = gettext_lazy("Name, pinyin, phone, e-mail or credit code")
    export_permission = "customers.export"
    create_url_name = "customers:create"
    create_permission = "customers.create"
    create_label = gettext_lazy("New customer")
    default_sort = "-updated"
    empty = EmptyState(
        gettext_lazy("No customers here yet."),
        gettext_lazy("Customers you own, collaborate on or may see appear in this list."),
        icon="users",
    )
    no_action_text = gettext_lazy("Ask your manager to hand you customers, or claim some from the public pool.")
    param_labels = FILTER_LABELS

    scenes = (
        Scene("all", gettext_lazy("All"), lambda qs, user: qs),
        Scene("mine", gettext_lazy("Mine"), _mine),
        Scene("subordinates", gettext_lazy("My subordinates'"), _subordinates),
        Scene("collaborating", gettext_lazy("I collaborate on"), _collaborating),
    )
    columns = (
        Column("name", gettext_lazy("Name"), template=CELLS + "name.html", sort=("name_sort",), fixed=True),
        Column(
            "level",
            gettext_lazy("Level"),
            value=lambda c: c.get_level_display(),
            template=CELLS + "level.html",
            phone_inline=True,
            sort=("level",),
        ),
        Column(
            "status",
            gettext_lazy("Status"),
            value=lambda c: c.get_status_display(),
            template=CELLS + "status.html",
            phone_inline=True,
            inline=InlineEdit(
                "choice",
                _save_field("status", _parse_status),
                _editable,
                choices=dictionary_choices("customer_status", retired=False),
            ),
        ),
        Column(
            "owner",
            gettext_lazy("Owner"),
            value=lambda c: str(c.owner) if c.owner else "",
            template=CELLS + "owner.html",
            phone_inline=True,
            inline=InlineEdit("user", _save_owner, _assignable, choices=_user_choices),
        ),
        Column(
            "last_contact",
            gettext_lazy("Last contact"),
            value=lambda c: c.last_contact_at,
            template=CELLS + "last_contact.html",
            sort=("last_contact_at",),
        ),
        Column(
            "next_follow_up",
            gettext_lazy("Next follow-up"),
            value=lambda c: c.next_follow_up_on,
            template=CELLS + "next_follow_up.html",
            sort=("next_follow_up_on",),
            inline=InlineEdit(
                "date", _save_field("next_follow_up_on", _parse_date), _editable, current=lambda c: c.next_follow_up_on
            ),
        ),
        Column(
            "pool",
            gettext_lazy("Returns to the pool"),
            value=_pool_return_day,
            template=CELLS + "pool_countdown.html",
            phone=False,
        ),
        Column("tags", gettext_lazy("Tags"), value=_tags_text, template=CELLS + "tags.html", phone=False),
        Column(
            "updated",
            gettext_lazy("Updated"),
            value=lambda c: c.updated_at,
            template=CELLS + "datetime.html",
            sort=("updated_at",),
            default=False,
            phone=False,
        ),
        Column(
            "created",
            gettext_lazy("Created"),
            value=lambda c: c.created_at,
            template=CELLS + "datetime.html",
            sort=("created_at",),
            default=False,
            phone=False,
        ),
        Column(
            "department",
            gettext_lazy("Department"),
            value=lambda c: str(c.department) if c.department else "",
            default=False,
            phone=False,
        ),
        Column(
            "industry", gettext_lazy("Industry"), value=lambda c: c.get_industry_display(), default=False, phone=False
        ),
        Column(
            "source",
            gettext_lazy("Source"),
            value=lambda c: c.get_source_display() if c.source else "",
            default=False,
            phone=False,
        ),
        Column("kind", gettext_lazy("Type"), value=lambda c: c.get_kind_display(), default=False, phone=False),
        Column("phone", gettext_lazy("Phone"), default=False),
        Column("email", gettext_lazy("E-mail"), default=False, phone=False),
        Column("credit_code", gettext_lazy("Unified social credit code"), default=False, phone=False),
    )
    fields = (
        Field("name", gettext_lazy("Name"), "name", "text", own=True),
        Field(
            "level",
            gettext_lazy("Level"),
            "level",
            "choice",
            choices=dictionary_choices("customer_level"),
            quick=True,
            own=True,
            bulk_edit=_bulk_update("level", _parse_level),
            bulk_permission="customers.edit",
        ),
        Field(
            "status",
            gettext_lazy("Status"),
            "status",
            "choice",
            choices=dictionary_choices("customer_status"),
            quick=True,
            own=True,
            bulk_edit=_bulk_update("status", _parse_status),
            bulk_permission="customers.edit",
        ),
        Field("owner", gettext_lazy("Owner"), "owner_id", "user", choices=_user_choices, quick=True, own=True),
        Field(
            "department",
            gettext_lazy("Department"),
            "department_id",
            "ref",
            choices=lambda user: [Choice(str(d.pk), d.name) for d in _departments(user)],
            own=True,
        ),
        Field(
            "source",
            gettext_lazy("Source"),
            "source",
            "choice",
            choices=dictionary_choices("customer_source"),
            own=True,
        ),
        Field("kind", gettext_lazy("Type"), "kind", "choice", choices=_static(Customer.Kind.choices), own=True),
        Field("size", gettext_lazy("Size"), "size", "choice", choices=dictionary_choices("company_size"), own=True),
        Field(
            "review_status",
            gettext_lazy("Review"),
            "review_status",
            "choice",
            choices=_static(Customer.Review.choices),
            own=True,
        ),
        Field(
            "industry", gettext_lazy("Industry"), "industry", "choice", choices=dictionary_choices("industry"), own=True
        ),
        Field("province", gettext_lazy("Province"), "province", "text", own=True),
        Field("city", gettext_lazy("City"), "city", "text", own=True),
        Field(
            "tag",
            gettext_lazy("Tag"),
            "tags",
            "ref",
            choices=lambda user: [Choice(str(t.pk), t.name) for t in _tags(user)],
            own=True,
        ),
        Field("last_contact", gettext_lazy("Last contact"), "last_contact_at", "datetime", own=True),
        Field(
            "next_follow_up",
            gettext_lazy("Next follow-up"),
            "next_follow_up_on",
            "date",
            own=True,
            bulk_edit=_bulk_update("next_follow_up_on", _parse_date),
            bulk_permission="customers.edit",
        ),
        Field("created", gettext_lazy("Created"), "created_at", "datetime", own=True),
    )
    bulk_actions = (
        BulkAction(
            "transfer",
            gettext_lazy("Transfer"),
            "arrows-exchange",
            "customers.assign",
            _bulk_transfer,
            form_template="customers/_bulk_transfer_form.html",
        ),
        BulkAction(
            "pool",
            gettext_lazy("Put in the public pool"),
            "building-warehouse",
            "customers.edit",
            _bulk_pool,
            form_template="customers/_bulk_pool_form.html",
        ),
        BulkAction(
            "delete",
            gettext_lazy("Delete"),
            "trash",
            "customers.delete",
            _bulk_delete,
            confirm=gettext_lazy(
                "They move to the recycle bin with their contacts, follow-ups and tasks, and disappear from lists and "
                "search. A manager can restore them from the recycle bin."
            ),
            danger=True,
        ),
    )

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors.customer_list(user=user, filters=params)

    def export_rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors.customer_list(user=user, filters=params, action="export")

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return apply_search(qs, text)

    def row_url(self, row: Any) -> str:
        return reverse("customers:detail", args=[row.pk])

    def clean_params(self, *, params: QueryDict, warnings: list[str]) -> None:
        days = params.get("no_contact_days")
        if days is not None and not re.fullmatch(r"\d{1,4}", days):
            params.pop("no_contact_days")
            warnings.append(_("“No contact for” must be a whole number of days; the filter was ignored."))

    def chip(self, *, user: Any, key: str, value: str) -> tuple[Any, Any] | None:
        label = FILTER_LABELS.get(key)
        if label is None:
            return None
        names: dict[str, Any] = {}
        if key == "owner":
            names = {str(u.pk): str(u) for u in _users(user)}
        elif key == "department":
            names = {str(d.pk): str(d) for d in _departments(user)}
        elif key == "tag":
            names = {str(t.pk): str(t) for t in _tags(user)}
        shown = FILTER_CHOICES.get(key, {}).get(value) or names.get(value) or value
        if key == "no_contact_days":
            shown = _("%(days)s+ days") % {"days": value}
        return label, shown

    def prepare_rows(self, *, user: Any, rows: list[Any]) -> None:
        """Each row's pool countdown (customers.pool.selectors.customer_pool_statuses: a fixed number of queries
        for the whole page)."""
        from ..pool.selectors import customer_pool_statuses

        statuses = customer_pool_statuses(rows)
        for row in rows:
            row.pool_status = statuses.get(row.pk)

    def context(self, *, user: Any, params: QueryDict) -> dict[str, Any]:
        advanced = (
            "department",
            "industry",
            "province",
            "city",
            "source",
            "tag",
            "kind",
            "size",
            "review_status",
            "last_contact_after",
            "last_contact_before",
            "created_after",
            "created_before",
            "next_follow_up_before",
        )
        return {
            "sel": {k: params.getlist(k) for k in ("level", "status", "source", "tag")},
            "users": _users(user),
            "departments": _departments(user),
            "tags": _tags(user),
            "industries": FILTER_CHOICES["industry"].items(),
            "provinces": PROVINCES,
            "levels": FILTER_CHOICES["level"].items(),
            "statuses": FILTER_CHOICES["status"].items(),
            "sources": FILTER_CHOICES["source"].items(),
            "kinds": FILTER_CHOICES["kind"].items(),
            "sizes": FILTER_CHOICES["size"].items(),
            "reviews": FILTER_CHOICES["review_status"].items(),
            "show_owner_filter": permission_scope(user, "customers.view") != "self",
            "can": {a: has_permission(user, f"customers.{a}") for a in ("import", "approve", "delete", "assign")},
            "advanced_open": any(k in params for k in advanced),
        }


# The contact list lives in .contacts and the follow-up list (the records behind analytics' contact figures) in
# .follow_ups, both under the same names here.
from .contacts import ContactList as ContactList  # noqa: E402
from .follow_ups import FollowUpList as FollowUpList  # noqa: E402
