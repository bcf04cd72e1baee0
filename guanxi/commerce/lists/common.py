"""What every list of commerce (and billing) shares: the scoped base list, its scenes, columns and actions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.inputs import id_or_none
from guanxi.org.lists.choices import user_choices
from guanxi.org.lists.spec import (
    BulkAction,
    BulkResult,
    Choice,
    Column,
    Field,
    InlineEdit,
    ListDefinition,
    Scene,
)
from guanxi.org.models import User
from guanxi.org.policies import (
    has_permission,
    scope_queryset,
    subordinate_ids,
    visibility_q,
)

from .. import selectors, services
from ..models import Contract, Quote
from ..services.owners import NOT_TRANSFERABLE

CELLS = "commerce/cells/"
EXPIRING_DAYS = 30


# --- what every list of this app (and billing's) shares ---------------------------------------------------
class ScopedList(ListDefinition):
    """A list read through one selector: the page in the reader's view scope, the export in their export scope.
    A status (or other fixed choice) the list does not know is dropped with the usual warning."""

    export_action = "export"

    def may_read(self, user: Any) -> bool:
        """The list's permission, or a read rule that opens some row of it (an approver reads what they decide)."""
        if has_permission(user, self.permission):
            return True
        try:
            visibility_q(user, self.model, "view")
        except PermissionDeniedError:
            return False
        return True

    def select(self, *, user: Any, params: QueryDict, action: str) -> QuerySet[Any]:
        raise NotImplementedError

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return self.select(user=user, params=params, action="view")

    def export_rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return self.select(user=user, params=params, action=self.export_action)

    def clean_params(self, *, params: QueryDict, warnings: list[str]) -> None:
        for f in self.fields:
            known = getattr(f.choices, "static", None)
            values = params.getlist(f.key)
            if known is None or not values:
                continue
            kept = [v for v in values if v in known]
            if len(kept) < len(values):
                params.setlist(f.key, kept)
                if not kept:
                    params.pop(f.key)
                warnings.append(
                    gettext("Filter “%(label)s” was ignored: %(error)s")
                    % {"label": f.label, "error": gettext("Choose one of the list.")}
                )


def has_subordinates(user: Any) -> bool:
    return bool(subordinate_ids(user))


def scope_scenes(owner: str = "owner", *, mine: Any = None) -> list[Scene]:
    """全部 / 我负责的 / 下属负责的 on `owner` (a user field path); the last only for a manager. "All" comes first and
    is the default: it is the reader's whole reach (a rep's own records; an approver's documents to decide)."""
    return [
        Scene("all", _("All"), lambda qs, user: qs),
        Scene("mine", mine or _("Mine"), lambda qs, user: qs.filter(**{f"{owner}_id": user.pk})),
        Scene(
            "subordinates",
            _("My subordinates'"),
            lambda qs, user: qs.filter(**{f"{owner}_id__in": subordinate_ids(user)}),
            visible=has_subordinates,
        ),
    ]


def status_scene(key: str, label: Any, *statuses: str) -> Scene:
    return Scene(key, label, lambda qs, user: qs.filter(status__in=statuses))


def choices_of(options: Sequence[tuple[str, Any]]) -> Callable[[Any], list[Choice]]:
    """Fixed choices (a model's TextChoices): the same for every reader, so values can be checked up front."""

    def offered(user: Any) -> list[Choice]:
        return [Choice(str(value), label) for value, label in options]

    offered.static = {str(value) for value, _label in options}  # type: ignore[attr-defined]
    return offered


def departments(user: Any) -> list[Choice]:
    from guanxi.customers.selectors import department_choices

    return [Choice(str(d.pk), d.name) for d in department_choices()]


def people(user: Any) -> list[Choice]:
    """The active users the reader may pick as an owner or a claimant (read once per request: the filter, the
    owner cell and the transfer dialog offer the same people)."""
    cached = user.__dict__.get("_gx_people")
    if cached is None:
        cached = user.__dict__["_gx_people"] = user_choices(selectors.user_choices(user=user))
    return list(cached)


def owner_field(path: str = "owner_id", label: Any = None, *, quick: bool = True) -> Field:
    return Field("owner", label or _("Owner"), path, "user", choices=people, quick=quick)


def money_column(key: str, label: Any, *, phone: bool = False, default: bool = True, **kwargs: Any) -> Column:
    return Column(
        key, label, template=CELLS + "money.html", sort=(key,), numeric=True, phone=phone, default=default, **kwargs
    )


def date_column(
    key: str, label: Any, *, path: str = "", default: bool = True, phone: bool = False, **kwargs: Any
) -> Column:
    return Column(key, label, template=CELLS + "date.html", sort=(path or key,), default=default, phone=phone, **kwargs)


def status_column(*, inline: InlineEdit | None = None) -> Column:
    return Column(
        "status",
        _("Status"),
        value=lambda row: row.get_status_display(),
        template=CELLS + "status.html",
        sort=("status",),
        inline=inline,
    )


def customer_column(*, link: bool = True) -> Column:
    """The customer's name, linked to its page (for readers of documents of their own customers)."""
    return Column(
        "customer",
        _("Customer"),
        value=lambda row: row.customer.name,
        template=CELLS + "customer.html" if link else None,
        sort=("customer__name_sort",),
    )


def user_column(key: str, label: Any, *, inline: InlineEdit | None = None, default: bool = True) -> Column:
    return Column(
        key,
        label,
        value=lambda row: str(getattr(row, key) or ""),
        sort=(f"{key}__name",),
        inline=inline,
        default=default,
    )


def bulk(run: Callable[..., tuple[int, int]]) -> Callable[..., BulkResult]:
    """A service answering (done, skipped) as the toolkit's BulkResult."""

    def wrapped(actor: Any, ids: Any, data: QueryDict) -> BulkResult:
        done, skipped = run(actor, ids, data)
        return BulkResult(done=done, skipped=skipped)

    return wrapped


def new_owner_from(actor: Any, data: QueryDict) -> User:
    """The owner chosen in the transfer dialog, among those the actor may pick (refused naming the field)."""
    pk = id_or_none(data.get("owner"))
    found = selectors.user_choices(user=actor).filter(pk=pk).first() if pk else None
    if found is None:
        msg = str(_("Choose the new owner."))
        raise ValidationFailed(msg, fields={"owner": [msg]})
    return found


def transfer_action(model: type[Quote] | type[Contract], module: str) -> BulkAction:
    def run(actor: Any, ids: Any, data: QueryDict) -> tuple[int, int]:
        return services.documents_transfer(actor=actor, model=model, ids=ids, new_owner=new_owner_from(actor, data))

    return BulkAction(
        key="transfer",
        label=_("Transfer"),
        icon="transfer",
        permission=f"{module}.edit",
        run=bulk(run),
        form_template=CELLS + "transfer_form.html",
        confirm=_("The new owner and their department take over; documents in approval keep theirs."),
    )


def delete_action(model: type[Quote] | type[Contract], module: str, confirm: Any) -> BulkAction:
    def run(actor: Any, ids: Any, data: QueryDict) -> tuple[int, int]:
        return services.documents_delete(actor=actor, model=model, ids=ids)

    return BulkAction(
        key="delete",
        label=_("Delete"),
        icon="trash",
        permission=f"{module}.delete",
        run=bulk(run),
        confirm=confirm,
        danger=True,
    )


def owner_inline(module: str) -> InlineEdit:
    """The owner cell of a quote or contract: one transfer, checked against the row's version."""

    def save(actor: Any, row: Any, value: str, version: int) -> Any:
        return services.document_transfer(
            actor=actor, document=row, new_owner=new_owner_from(actor, QueryDict(f"owner={value}")),
            expected_version=version,
        )  # fmt: skip

    def editable(user: Any, rows: list[Any]) -> set[int]:
        if not rows or not has_permission(user, f"{module}.edit"):
            return set()
        model = type(rows[0])
        ids = [r.pk for r in rows if r.status not in NOT_TRANSFERABLE[model]]
        qs = scope_queryset(user, model._default_manager.filter(pk__in=ids), "edit", module=module)
        return set(qs.values_list("pk", flat=True))

    return InlineEdit(kind="user", save=save, editable=editable, choices=people)
