"""The execution order, implementation order and product lists."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.org.lists.registry import register
from guanxi.org.lists.spec import (
    Choice,
    Column,
    EmptyState,
    Field,
    InlineEdit,
    Scene,
)
from guanxi.org.policies import (
    has_permission,
    scope_queryset,
    scope_queryset_or_none,
)

from .. import selectors, services
from ..models import Contract, ExecutionOrder, ImplementationOrder, Product, ProductLine
from .common import (
    CELLS,
    ScopedList,
    choices_of,
    customer_column,
    date_column,
    owner_field,
    scope_scenes,
    status_column,
    status_scene,
    user_column,
)


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
