"""Commerce's list pages declared for the shared list toolkit (org.lists): quotes, contracts, execution orders,
implementation orders, products. Each reads its rows through its selector and FilterSet (the ones its API uses);
the toolkit adds scenes, fields, chips, saved views, columns, sorting, paging, the bulk bar, export and phone cards.

Scenes mean data scope first (all in reach / mine / my subordinates'), then states a reader works through (quotes
waiting for approval, contracts to sign or expiring within 30 days). Money columns are right-aligned in ¥
(core.money); a phone card shows one amount."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.inputs import id_or_none
from guanxi.org.lists.registry import register
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
from guanxi.org.policies import (
    has_permission,
    scope_queryset,
    scope_queryset_or_none,
    subordinate_ids,
    visibility_q,
)

from . import selectors, services
from .models import Contract, ExecutionOrder, ImplementationOrder, Product, ProductLine, Quote
from .money import discount_label
from .services.owners import NOT_TRANSFERABLE

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


def people(user: Any) -> list[Choice]:
    """The active users the reader may pick as an owner or a claimant (read once per request: the filter, the
    owner cell and the transfer dialog offer the same people)."""
    cached = user.__dict__.get("_gx_people")
    if cached is None:
        cached = user.__dict__["_gx_people"] = [Choice(str(u.pk), str(u)) for u in selectors.user_choices(user=user)]
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
        sort=("customer__name",),
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


# --- quotes --------------------------------------------------------------------------------------------------
@register
class QuoteList(ScopedList):
    key = "quotes"
    title = _("Quotes")
    model = Quote
    permission = "quotes.view"
    url_name = "commerce:quote_list"
    search_placeholder = _("Quote number, title or customer")
    export_permission = "quotes.export"
    create_url_name = "commerce:quote_create"
    create_permission = "quotes.create"
    create_label = _("New quote")
    default_sort = "-created"
    param_labels = {"customer": _("Customer"), "opportunity": _("Opportunity"), "all_versions": _("Versions")}
    empty = EmptyState(
        _("No quotes yet."),
        _("A quote lists catalogue products for a customer; it is approved before the customer sees it."),
        icon="file-dollar",
    )
    no_action_text = _("You may not write quotes: the ones you approve or may read show here.")

    columns = (
        Column(
            "number",
            _("Quote"),
            value=lambda q: f"{q.number}-V{q.revision}",
            template=CELLS + "quote.html",
            sort=("number", "revision"),
            fixed=True,
        ),
        Column("title", _("Title"), default=False, phone=False, sort=("title",)),
        customer_column(),
        status_column(),
        money_column("total", _("Total"), phone=True),
        Column(
            "min_discount_rate",
            _("Lowest discount"),
            value=lambda q: discount_label(q.min_discount_rate) if q.min_discount_rate < 1 else "",
            phone=False,
            sort=("min_discount_rate",),
        ),  # fmt: skip
        date_column("valid_until", _("Valid until")),
        user_column("owner", _("Owner"), inline=owner_inline("quotes")),
        date_column("quote_date", _("Quote date"), default=False),
        date_column("created", _("Created"), path="created_at", value=lambda q: q.created_at, default=False),
    )
    fields = (
        Field("status", _("Status"), "status", "choice", choices=choices_of(Quote.Status.choices), quick=True),
        owner_field(),
        Field("total", _("Total"), "total", "money", quick=True),
        Field("valid_until", _("Valid until"), "valid_until", "date", quick=True),
        Field("quote_date", _("Quote date"), "quote_date", "date"),
        Field("created", _("Created"), "created_at", "datetime"),
        Field("special_price", _("Special-price request"), "special_price", "bool"),
    )
    scenes = (
        *scope_scenes(),
        status_scene("draft", _("Drafts"), Quote.Status.DRAFT),
        status_scene("in_approval", _("Waiting for approval"), Quote.Status.IN_APPROVAL),
        status_scene("approved", _("Approved, not sent"), Quote.Status.APPROVED),
        status_scene("sent", _("Sent"), Quote.Status.SENT),
    )
    bulk_actions = (
        transfer_action(Quote, "quotes"),
        delete_action(
            Quote, "quotes", _("Drafts, expired and superseded quotes move to the recycle bin; others stay.")
        ),  # fmt: skip
    )

    def select(self, *, user: Any, params: QueryDict, action: str) -> QuerySet[Any]:
        return selectors.quote_list(user=user, filters=params, action=action)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return qs.filter(Q(number__icontains=text) | Q(title__icontains=text) | Q(customer__name__icontains=text))

    def row_url(self, row: Any) -> str:
        return reverse("commerce:quote_detail", args=[row.pk])


# --- contracts -----------------------------------------------------------------------------------------------
ACTIVE = (Contract.Status.SIGNED, Contract.Status.IN_EXECUTION)


def expiring(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """Contracts in force whose end date falls within the next 30 days (today included)."""
    today = timezone.localdate()
    return qs.filter(status__in=ACTIVE, ends_on__gte=today, ends_on__lte=today + dt.timedelta(days=EXPIRING_DAYS))


@register
class ContractList(ScopedList):
    key = "contracts"
    title = _("Contracts")
    model = Contract
    permission = "contracts.view"
    url_name = "commerce:contract_list"
    search_placeholder = _("Contract number, title or customer")
    export_permission = "contracts.export"
    create_url_name = "commerce:contract_create"
    create_permission = "contracts.create"
    create_label = _("New contract")
    default_sort = "-created"
    param_labels = {"customer": _("Customer"), "opportunity": _("Opportunity")}
    empty = EmptyState(
        _("No contracts yet."),
        _("Create a contract from an approved quote, from an opportunity, or for an existing customer."),
        icon="file-certificate",
    )
    no_action_text = _("You may not write contracts: the ones you approve or may read show here.")

    columns = (
        Column("number", _("Contract"), template=CELLS + "contract.html", sort=("number",), fixed=True),
        Column("title", _("Title"), default=False, phone=False, sort=("title",)),
        customer_column(),
        status_column(),
        money_column("amount", _("Contract amount"), phone=True),
        date_column("signed_on", _("Signing date")),
        date_column("ends_on", _("End date")),
        user_column("owner", _("Owner"), inline=owner_inline("contracts")),
        date_column("starts_on", _("Start date"), default=False),
        date_column("created", _("Created"), path="created_at", value=lambda c: c.created_at, default=False),
    )
    fields = (
        Field("status", _("Status"), "status", "choice", choices=choices_of(Contract.Status.choices), quick=True),
        owner_field(),
        Field("amount", _("Contract amount"), "amount", "money", quick=True),
        Field("signed_on", _("Signing date"), "signed_on", "date", quick=True),
        Field("ends_on", _("End date"), "ends_on", "date"),
        Field("starts_on", _("Start date"), "starts_on", "date"),
        Field("standard_template", _("On the standard template"), "standard_template", "bool"),
    )
    scenes = (
        *scope_scenes(),
        status_scene("to_sign", _("To sign"), Contract.Status.APPROVED),
        status_scene("active", _("In force"), *ACTIVE),
        Scene("expiring", _("Expiring within 30 days"), expiring),
    )
    bulk_actions = (
        transfer_action(Contract, "contracts"),
        delete_action(Contract, "contracts", _("Draft contracts move to the recycle bin; others stay.")),
    )

    def select(self, *, user: Any, params: QueryDict, action: str) -> QuerySet[Any]:
        return selectors.contract_list(user=user, filters=params, action=action)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return qs.filter(Q(number__icontains=text) | Q(title__icontains=text) | Q(customer__name__icontains=text))

    def row_url(self, row: Any) -> str:
        return reverse("commerce:contract_detail", args=[row.pk])


# --- execution orders ----------------------------------------------------------------------------------------
@register
class ExecutionOrderList(ScopedList):
    key = "execution_orders"
    title = _("Execution orders")
    model = ExecutionOrder
    permission = "orders.view"
    url_name = "commerce:execution_order_list"
    search_placeholder = _("Order number, customer or contract")
    export_permission = "contracts.export"  # orders have no export permission of their own; contracts' covers them
    export_action = "view"
    default_sort = "-created"
    param_labels = {"customer": _("Customer"), "contract": _("Contract")}
    empty = EmptyState(
        _("No execution orders yet."),
        _("Business staff issue them from an approved or signed contract's page."),
        icon="truck",
    )
    no_action_text = _("Orders you issue, or that name you for shipping, collection or implementation, show here.")

    columns = (
        Column("number", _("Order number"), template=CELLS + "execution_order.html", sort=("number",), fixed=True),
        customer_column(),
        Column(
            "contract",
            _("Contract"),
            value=lambda o: o.contract.number,
            template=CELLS + "order_contract.html",
            sort=("contract__number",),
            phone=False,
        ),  # fmt: skip
        status_column(),
        date_column("required_by", _("Deliver by"), phone=True),
        user_column("owner", _("Issued by")),
        date_column("issued", _("Issued at"), path="issued_at", value=lambda o: o.issued_at, default=False),
        date_column("created", _("Created"), path="created_at", value=lambda o: o.created_at, default=False),
    )
    fields = (
        Field(
            "status", _("Status"), "status", "choice", choices=choices_of(ExecutionOrder.Status.choices), quick=True
        ),  # fmt: skip
        owner_field(label=_("Issued by")),
        Field("required_by", _("Deliver by"), "required_by", "date", quick=True),
        Field("created", _("Created"), "created_at", "datetime"),
    )
    scenes = (
        *scope_scenes(mine=_("Issued by me")),
        Scene(
            "named",
            _("Naming me"),
            lambda qs, user: qs.filter(
                Q(shipping_users=user) | Q(collection_users=user) | Q(implementation_users=user)
            ).distinct(),
        ),
        status_scene("to_ship", _("To ship"), ExecutionOrder.Status.OPEN, ExecutionOrder.Status.PARTIALLY_SHIPPED),
        status_scene("in_approval", _("Waiting for approval"), ExecutionOrder.Status.IN_APPROVAL),
    )

    def select(self, *, user: Any, params: QueryDict, action: str) -> QuerySet[Any]:
        qs = selectors.execution_order_list(user=user, filters=params)
        contracts = scope_queryset_or_none(
            user, Contract.objects.filter(pk=OuterRef("contract_id")), module="contracts"
        )
        return qs.annotate(contract_visible=Exists(contracts))  # the contract links only for who may open it

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return qs.filter(
            Q(number__icontains=text) | Q(customer__name__icontains=text) | Q(contract__number__icontains=text)
        )

    def row_url(self, row: Any) -> str:
        return reverse("commerce:execution_order_detail", args=[row.pk])


# --- implementation orders -----------------------------------------------------------------------------------
def _implementation_status_save(actor: Any, row: Any, value: str, version: int) -> Any:
    return services.implementation_order_set_status(actor=actor, order=row, status=value, expected_version=version)


def _implementation_editable(user: Any, rows: list[Any]) -> set[int]:
    if not rows or not has_permission(user, "implementation.edit"):
        return set()
    qs = ImplementationOrder.objects.filter(pk__in=[r.pk for r in rows])
    return set(scope_queryset(user, qs, "edit", module="implementation").values_list("pk", flat=True))


@register
class ImplementationOrderList(ScopedList):
    key = "implementation_orders"
    title = _("Implementation orders")
    model = ImplementationOrder
    permission = "implementation.view"
    url_name = "commerce:implementation_order_list"
    search_placeholder = _("Order number, title or customer")
    export_permission = "contracts.export"  # no export permission of their own; contracts' covers them
    export_action = "view"
    default_sort = "-created"
    param_labels = {"customer": _("Customer"), "contract": _("Contract")}
    empty = EmptyState(
        _("No implementation orders yet."),
        _("Business staff create them from a contract; their items become tasks for implementation staff."),
        icon="tool",
    )
    no_action_text = _("Orders with an item for you, or sent to your department, show here.")

    columns = (
        Column("number", _("Order number"), template=CELLS + "implementation_order.html", sort=("number",), fixed=True),
        customer_column(),
        status_column(
            inline=InlineEdit(
                kind="choice",
                save=_implementation_status_save,
                editable=_implementation_editable,
                choices=choices_of(ImplementationOrder.Status.choices),
            ),
        ),
        Column(
            "progress",
            _("Progress"),
            value=lambda o: f"{o.done_count}/{o.item_count}",
            template=CELLS + "progress.html",
            sort=("done_count",),
        ),  # fmt: skip
        date_column("due_on", _("Due date"), phone=True),
        date_column("starts_on", _("Start date"), default=False),
        Column(
            "department",
            _("Implementation department"),
            value=lambda o: str(o.implementation_department or ""),
            sort=("implementation_department__name",),
            phone=False,
        ),  # fmt: skip
        user_column("owner", _("Issued by"), default=False),
        Column(
            "contract",
            _("Contract"),
            value=lambda o: o.contract.number,
            sort=("contract__number",),
            default=False,
            phone=False,
        ),  # fmt: skip
    )
    fields = (
        Field(
            "status",
            _("Status"),
            "status",
            "choice",
            choices=choices_of(ImplementationOrder.Status.choices),
            quick=True,
        ),  # fmt: skip
        Field("due_on", _("Due date"), "due_on", "date", quick=True),
        owner_field(label=_("Issued by"), quick=False),
        Field("starts_on", _("Start date"), "starts_on", "date"),
    )
    scenes = (
        *scope_scenes(mine=_("Issued by me")),
        Scene("assigned", _("Assigned to me"), lambda qs, user: qs.filter(assignees=user).distinct()),
        Scene(
            "department",
            _("My department's"),
            lambda qs, user: qs.filter(implementation_department_id=user.department_id),
            visible=lambda user: bool(user.department_id),
        ),
        status_scene("open", _("Open"), ImplementationOrder.Status.OPEN),
    )

    def select(self, *, user: Any, params: QueryDict, action: str) -> QuerySet[Any]:
        return selectors.implementation_order_list(user=user, filters=params)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return qs.filter(Q(number__icontains=text) | Q(title__icontains=text) | Q(customer__name__icontains=text))

    def row_url(self, row: Any) -> str:
        return reverse("commerce:implementation_order_detail", args=[row.pk])


# --- products ------------------------------------------------------------------------------------------------
def product_lines(user: Any) -> list[Choice]:
    return [Choice(str(line.pk), line.name) for line in ProductLine.objects.order_by("sort_order", "name")]


@register
class ProductList(ScopedList):
    key = "products"
    title = _("Products")
    model = Product
    permission = "products.view"
    url_name = "commerce:product_list"
    template = "commerce/lists/products.html"
    search_placeholder = _("Product code or name")
    export_permission = "products.export"
    create_url_name = "commerce:product_create"
    create_permission = "products.create"
    create_label = _("New product")
    default_sort = "code"
    star = False
    empty = EmptyState(_("No products yet."), _("Quotes and contracts pick their lines from this catalogue."),
                       icon="package")  # fmt: skip
    no_action_text = _("Only an administrator adds products to the catalogue.")

    columns = (
        Column("code", _("Product"), template=CELLS + "product.html", sort=("code",), fixed=True),
        Column("name", _("Name"), sort=("name",), default=False, phone=False),
        Column("line", _("Product line"), value=lambda p: str(p.line or ""), sort=("line__name",)),
        Column(
            "list_price", _("List price"), template=CELLS + "list_price.html", sort=("list_price",), numeric=True
        ),  # fmt: skip
        Column("unit", _("Unit"), default=False, phone=False),
        Column(
            "tax_rate",
            _("Tax rate"),
            value=lambda p: f"{(p.tax_rate * 100).normalize():f}%",
            sort=("tax_rate",),
            phone=False,
        ),  # fmt: skip
        Column(
            "active",
            _("Status"),
            value=lambda p: str(_("Active") if p.is_active else _("Inactive")),
            template=CELLS + "active.html",
            sort=("is_active",),
        ),  # fmt: skip
    )
    fields = (
        Field("line", _("Product line"), "line_id", "choice", choices=product_lines, quick=True),
        Field("list_price", _("List price"), "list_price", "money", quick=True),
    )
    scenes = (
        Scene("active", _("On sale"), lambda qs, user: qs.filter(is_active=True)),
        Scene("inactive", _("Withdrawn"), lambda qs, user: qs.filter(is_active=False)),
        Scene("all", _("All"), lambda qs, user: qs),
    )

    def select(self, *, user: Any, params: QueryDict, action: str) -> QuerySet[Any]:
        qs = selectors.product_list(user=user, filters=params)
        # A product opens on its form: linked only for who may change it.
        return qs.annotate(editable=Value(has_permission(user, "products.edit"), output_field=BooleanField()))

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return qs.filter(Q(code__icontains=text) | Q(name__icontains=text))

    def row_url(self, row: Any) -> str:
        return reverse("commerce:product_edit", args=[row.pk]) if getattr(row, "editable", False) else ""

    def context(self, *, user: Any, params: QueryDict) -> dict[str, Any]:
        """The price books beside the catalogue; import and settings for who may."""
        return {
            "books": list(selectors.price_books(user=user)),
            "can_import": has_permission(user, "products.import"),
            "can_admin_products": has_permission(user, "products.admin"),
        }
