"""Contracts (合同) with an existing customer, from a quote or an opportunity."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.files import private_upload_path
from guanxi.core.models import BusinessModel, CustomFieldsModel
from guanxi.core.money import MONEY, RATE

from .quotes import Quote


def signed_scan_path(instance: Contract, filename: str) -> str:
    return private_upload_path("contracts", filename)


class Contract(BusinessModel, CustomFieldsModel):
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
