"""Products, quotes and contracts (客户商务管理). Money is Decimal with a currency code on every amount."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import BusinessModel, TimeStampedModel

MONEY = {"max_digits": 16, "decimal_places": 2}
# Discount and tax rates as fractions: 0.4800 is 4.8折, 0.1300 is 13 % VAT.
RATE = {"max_digits": 6, "decimal_places": 4}


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
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
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
    signed_scan = models.FileField(_("signed scan"), upload_to="contracts/%Y/%m/", blank=True)
    terms = models.TextField(_("terms"), blank=True)
    note = models.TextField(_("note"), blank=True)
    terminated_reason = models.CharField(_("termination reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_module = "contracts"
    scope_owner_path = "owner"

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
