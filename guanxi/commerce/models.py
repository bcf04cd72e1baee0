"""Products, quotes and contracts (客户商务管理). Money is Decimal with a currency code on every amount."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.files import private_upload_path
from guanxi.core.models import BusinessModel, TimeStampedModel
from guanxi.core.money import MONEY, RATE

# Discount and tax rates as fractions: 0.4800 is 4.8折, 0.1300 is 13 % VAT.


class ProductLine(TimeStampedModel):
    """A product line (产品线), e.g. software licences, hardware, services."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")

    def __str__(self) -> str:
        return self.name


class Product(BusinessModel):
    """A product in the catalogue (产品): code, name, unit, list price and tax rate."""

    code = models.CharField(_("product code"), max_length=50)
    name = models.CharField(_("name"), max_length=200)
    line = models.ForeignKey(
        ProductLine,
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
    )
    unit = models.CharField(_("unit"), max_length=20, default="套")
    list_price = models.DecimalField(_("list price"), **MONEY, validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    tax_rate = models.DecimalField(
        _("tax rate"),
        **RATE,
        default=Decimal("0.1300"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True, db_index=True)

    # The catalogue is company-wide and has no owner: reads check the "products.view" permission only
    # (require_permission), not a data scope.
    scope_module = "products"

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=Q(deleted_at__isnull=True), name="product_code_unique"),
            models.CheckConstraint(condition=Q(list_price__gte=0), name="product_list_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Quote(BusinessModel):
    """A quote (报价) for an existing customer; revising makes a new version and keeps the old ones."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_APPROVAL = "in_approval", _("In approval")
        APPROVED = "approved", _("Approved")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected by customer")
        EXPIRED = "expired", _("Expired")
        SUPERSEDED = "superseded", _("Superseded")

    number = models.CharField(_("quote number"), max_length=40)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    # The first version of this quote; all revisions share it (the first points at itself once saved).
    root = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revisions",
        verbose_name=_("first version"),
    )
    title = models.CharField(_("title"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="quotes"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opportunity = models.ForeignKey(
        "sales.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="quotes"
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
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    price_book = models.ForeignKey(
        "commerce.PriceBook",
        verbose_name=_("price book"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quotes",
    )
    # Routed as a special-price request (特价审批): the quote of an agent / channel user.
    special_price = models.BooleanField(_("special-price request"), default=False)
    quote_date = models.DateField(_("quote date"))
    valid_until = models.DateField(_("valid until"))
    # Overall discount on top of the line discounts, as a fraction (1.0000 = none, 0.9500 = 9.5折).
    overall_discount = models.DecimalField(
        _("overall discount"),
        **RATE,
        default=Decimal("1.0000"),
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal("1"))],
    )
    # Totals are computed by the service from the lines (Decimal, rounded half-up to the cent) and stored.
    subtotal = models.DecimalField(_("amount before tax"), **MONEY, default=Decimal("0"))
    tax_total = models.DecimalField(_("tax"), **MONEY, default=Decimal("0"))
    total = models.DecimalField(_("total"), **MONEY, default=Decimal("0"))
    list_total = models.DecimalField(_("list price total"), **MONEY, default=Decimal("0"))
    # The lowest effective discount of any line (line × overall), which decides who approves.
    min_discount_rate = models.DecimalField(_("lowest discount"), **RATE, default=Decimal("1.0000"))
    terms = models.TextField(_("terms"), blank=True)
    note = models.TextField(_("note"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_module = "quotes"
    scope_owner_path = "owner"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        indexes = [
            models.Index(fields=["owner", "status", "deleted_at"]),
            models.Index(fields=["customer", "deleted_at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number", "revision"], name="quote_number_revision_unique"),
            models.CheckConstraint(condition=Q(total__gte=0), name="quote_total_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.number}-V{self.revision} {self.title}"


class QuoteLine(models.Model):
    """One line of a quote: a catalogue product, quantity, unit price (list price × discount) and tax."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("line"), default=1)
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    # Copied from the product when the line is written, so a later price change does not alter a quote.
    description = models.CharField(_("description"), max_length=300, blank=True)
    unit = models.CharField(_("unit"), max_length=20)
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    list_price = models.DecimalField(_("list price"), **MONEY)
    discount = models.DecimalField(
        _("discount"),
        **RATE,
        default=Decimal("1.0000"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    tax_rate = models.DecimalField(_("tax rate"), **RATE)
    amount = models.DecimalField(_("amount before tax"), **MONEY)
    tax = models.DecimalField(_("tax"), **MONEY)
    total = models.DecimalField(_("total"), **MONEY)

    class Meta:
        ordering = ["quote", "position", "id"]
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quote_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quote_id}#{self.position}"


def signed_scan_path(instance: Contract, filename: str) -> str:
    return private_upload_path("contracts", filename)


class Contract(BusinessModel):
    """A contract (合同) with an existing customer, from a quote or an opportunity."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_APPROVAL = "in_approval", _("In approval")
        APPROVED = "approved", _("Approved")
        SIGNED = "signed", _("Signed")
        IN_EXECUTION = "in_execution", _("In execution")
        COMPLETED = "completed", _("Completed")
        TERMINATED = "terminated", _("Terminated")

    number = models.CharField(_("contract number"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contracts"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opportunity = models.ForeignKey(
        "sales.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
    )
    quote = models.ForeignKey(
        Quote, verbose_name=_("quote"), null=True, blank=True, on_delete=models.PROTECT, related_name="contracts"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="contracts"
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
    amount = models.DecimalField(_("contract amount"), **MONEY, validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    # The lowest discount granted (from the quote's lines), for the contract approval rule.
    min_discount_rate = models.DecimalField(_("lowest discount"), **RATE, default=Decimal("1.0000"))
    standard_template = models.BooleanField(_("on the standard template"), default=True)
    signed_on = models.DateField(_("signing date"), null=True, blank=True, db_index=True)
    starts_on = models.DateField(_("start date"), null=True, blank=True)
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    signed_scan = models.FileField(_("signed scan"), upload_to=signed_scan_path, max_length=300, blank=True)
    terms = models.TextField(_("terms"), blank=True)
    note = models.TextField(_("note"), blank=True)
    terminated_reason = models.CharField(_("termination reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_module = "contracts"
    scope_owner_path = "owner"
    # The scan is audited by contract_attach_scan, once, with its file name.
    audit_exclude = ("updated_at", "version", "search_text", "signed_scan")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        indexes = [
            models.Index(fields=["owner", "status", "deleted_at"]),
            models.Index(fields=["customer", "deleted_at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="contract_number_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="contract_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="contract_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class PriceBook(TimeStampedModel):
    """A named price list (价格表), e.g. 渠道价 for channel partners: product → price."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    partner_orgs = models.ManyToManyField(
        "org.PartnerOrganisation",
        verbose_name=_("partner organisations"),
        blank=True,
        related_name="+",
        help_text=_("Empty: for everyone. Otherwise only these agents' quotes may use it."),
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("price book")
        verbose_name_plural = _("price books")

    def __str__(self) -> str:
        return self.name


class PriceBookEntry(models.Model):
    price_book = models.ForeignKey(PriceBook, on_delete=models.CASCADE, related_name="entries")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="+")
    price = models.DecimalField(_("price"), **MONEY, validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ["price_book", "product__code"]
        verbose_name = _("price book entry")
        verbose_name_plural = _("price book entries")
        constraints = [
            models.UniqueConstraint(fields=["price_book", "product"], name="price_book_entry_unique"),
            models.CheckConstraint(condition=Q(price__gte=0), name="price_book_entry_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.price_book_id}:{self.product_id}={self.price}"


def _default_required_fields() -> list[str]:
    return ["phone", "address", "industry"]


class CommercePolicy(TimeStampedModel):
    """Company-wide commerce settings an administrator edits (one row): quote validity, the special-price
    data-freshness rule, the company header printed on quotes."""

    quote_valid_days = models.PositiveIntegerField(_("quote valid for (days)"), default=30)
    special_price_followup_days = models.PositiveIntegerField(
        _("special price: a follow-up within (days)"),
        default=30,
        help_text=_("An agent's special-price request is refused when its customer had no follow-up in this time."),
    )
    special_price_required_fields = models.JSONField(
        _("special price: customer fields that must be filled"), default=_default_required_fields, blank=True
    )
    company_name = models.CharField(_("company name"), max_length=200, default="关系科技有限公司")
    company_address = models.CharField(_("company address"), max_length=300, blank=True)
    company_phone = models.CharField(_("company phone"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("commerce settings")
        verbose_name_plural = _("commerce settings")

    def __str__(self) -> str:
        return str(_("commerce settings"))


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
