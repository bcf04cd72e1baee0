"""Sales execution orders (销售执行单) with their shipments, and implementation orders (实施单) with their items."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import BusinessModel, TimeStampedModel

from .catalogue import Product
from .contracts import Contract


class ExecutionOrder(BusinessModel):
    """A sales execution order (销售执行单): tells the right people to ship, collect payment and implement."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_APPROVAL = "in_approval", _("In approval")
        OPEN = "open", _("Issued")
        PARTIALLY_SHIPPED = "partially_shipped", _("Partially shipped")
        SHIPPED = "shipped", _("Shipped")
        CLOSED = "closed", pgettext_lazy("execution order", "Closed")  # not an account's 已停用

    number = models.CharField(_("order number"), max_length=40, unique=True)
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="execution_orders"
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="execution_orders"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    shipping_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("shipping"), blank=True, related_name="+"
    )
    collection_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("payment collection"), blank=True, related_name="+"
    )
    implementation_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("implementation"), blank=True, related_name="+"
    )
    delivery_address = models.CharField(_("delivery address"), max_length=300, blank=True)
    required_by = models.DateField(_("deliver by"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)

    audit_labels = {"shipment": _("shipment")}  # the audit change that records a delivery
    scope_module = "orders"
    scope_owner_path = "owner"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("execution order")
        verbose_name_plural = _("execution orders")
        indexes = [models.Index(fields=["owner", "status", "deleted_at"])]

    def __str__(self) -> str:
        return self.number


class ExecutionOrderLine(models.Model):
    order = models.ForeignKey(ExecutionOrder, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("line"), default=1)
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("description"), max_length=300, blank=True)
    unit = models.CharField(_("unit"), max_length=20)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    shipped_quantity = models.DecimalField(_("shipped"), max_digits=12, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("execution order line")
        verbose_name_plural = _("execution order lines")
        ordering = ["order", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="execution_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(shipped_quantity__gte=0) & Q(shipped_quantity__lte=models.F("quantity")),
                name="execution_line_not_overshipped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.position}"

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.shipped_quantity


class Shipment(TimeStampedModel):
    """One delivery against an execution order: date and shipped quantity per line."""

    order = models.ForeignKey(ExecutionOrder, on_delete=models.CASCADE, related_name="shipments")
    shipped_on = models.DateField(_("shipping date"))
    carrier = models.CharField(_("carrier / tracking number"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["shipped_on", "id"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")

    def __str__(self) -> str:
        return f"{self.order_id} @ {self.shipped_on}"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(ExecutionOrderLine, on_delete=models.CASCADE, related_name="shipment_lines")
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="shipment_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.shipment_id}:{self.order_line_id}×{self.quantity}"


class ImplementationOrder(BusinessModel):
    """An implementation order (实施单) from a contract: its items become tasks for implementation staff."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("order number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="implementation_orders"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="implementation_orders",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    implementation_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("implementation department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Everyone with an item (kept by the service): implementation staff see the orders they work on.
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("implementation staff"), blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    starts_on = models.DateField(_("start date"), null=True, blank=True)
    due_on = models.DateField(_("due date"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    scope_module = "implementation"
    scope_owner_path = "owner"
    scope_collaborators_path = "assignees"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("implementation order")
        verbose_name_plural = _("implementation orders")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class ImplementationItem(models.Model):
    """One piece of implementation work; its task (customers.Task) on the assignee's "my day" says if it is done."""

    order = models.ForeignKey(ImplementationOrder, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("line"), default=1)
    title = models.CharField(_("title"), max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("due date"))
    task = models.OneToOneField(
        "customers.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="implementation_item"
    )

    class Meta:
        verbose_name = _("implementation item")
        verbose_name_plural = _("implementation items")
        ordering = ["order", "position", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def done(self) -> bool:
        return bool(self.task and self.task.done and self.task.deleted_at is None)
