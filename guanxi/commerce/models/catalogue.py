"""The catalogue (产品): product lines, products, price books, and the company-wide commerce settings.
Discount and tax rates are fractions: 0.4800 is 4.8折, 0.1300 is 13 % VAT."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import BusinessModel, TimeStampedModel
from guanxi.core.money import MONEY, RATE


class ProductLine(TimeStampedModel):
    """A product line (产品线), e.g. software licences, hardware, services."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    # Unicode: a line named 软件 gets the code 软件.
    code = models.SlugField(_("code"), max_length=50, unique=True, allow_unicode=True)
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
    # The warranty / service term a delivered unit carries (months): the service app dates the assets it makes from
    # a shipment with it, so their renewal comes up on time. Empty: no fixed term.
    term_months = models.PositiveSmallIntegerField(
        _("warranty / service term (months)"), null=True, blank=True, validators=[MaxValueValidator(600)]
    )

    # The catalogue is company-wide and has no owner: reads check the "products.view" permission only
    # (require_permission), not a data scope (an empty owner path: org.policies.scope_q narrows nothing).
    scope_module = "products"
    scope_owner_path = ""

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
    data-freshness rule (the seller's details printed on quotes are org.CompanyProfile)."""

    quote_valid_days = models.PositiveIntegerField(_("quote valid for (days)"), default=30)
    special_price_followup_days = models.PositiveIntegerField(
        _("special price: a follow-up within (days)"),
        default=30,
        help_text=_("An agent's special-price request is refused when its customer had no follow-up in this time."),
    )
    special_price_required_fields = models.JSONField(
        _("special price: customer fields that must be filled"), default=_default_required_fields, blank=True
    )

    class Meta:
        verbose_name = _("commerce settings")
        verbose_name_plural = _("commerce settings")

    def __str__(self) -> str:
        return str(_("commerce settings"))
