"""Quotes (报价) and their lines. Money is Decimal with a currency code on every amount; discounts are fractions
(0.4800 is 4.8折)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import BusinessModel, CustomFieldsModel
from guanxi.core.money import MONEY, RATE

from .catalogue import Product


class Quote(BusinessModel, CustomFieldsModel):
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
