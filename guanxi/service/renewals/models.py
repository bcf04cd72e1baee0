"""Renewals (续保 / 续约): one row per asset term coming to its end. The worker opens a renewal for every asset in
force whose end date falls inside the window of the renewal settings, owned by the customer's owner; the owner
works it (renewing, not renewing with a reason, renewed) and is reminded at the lead times an administrator sets.

A renewal is read through its customer, like its asset (scope module "assets")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import BusinessModel, ListOrderIndex, TimeStampedModel

REMINDER_DAYS_DEFAULT = [60, 30, 7]
WINDOW_DAYS_DEFAULT = 90


def _reminder_days_default() -> list[int]:
    return list(REMINDER_DAYS_DEFAULT)


class Renewal(BusinessModel):
    class Status(models.TextChoices):
        UNDECIDED = "undecided", _("Undecided")
        RENEWING = "renewing", pgettext_lazy("renewal status", "Renewing")
        LOST = "lost", _("Not renewing")
        RENEWED = "renewed", pgettext_lazy("renewal status", "Renewed")

    asset = models.ForeignKey(
        "service.Asset", verbose_name=_("asset"), on_delete=models.CASCADE, related_name="renewals"
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="renewals"
    )
    ends_on = models.DateField(_("end date"), db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="owned_renewal_set",
    )  # fmt: skip
    status = models.CharField(_("renewal status"), max_length=20, choices=Status.choices, default=Status.UNDECIDED)
    lost_reason = models.CharField(_("why not renewing"), max_length=300, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    renewed_asset = models.ForeignKey(
        "service.Asset", verbose_name=_("new term"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="renewed_from",
    )  # fmt: skip
    opportunity = models.ForeignKey(
        "sales.Opportunity", verbose_name=_("renewal opportunity"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    # The lead times (days before the end) already reminded of, so each reminder goes out once.
    reminded_days = models.JSONField(default=list, blank=True, editable=False)

    scope_module = "assets"
    scope_owner_path = "customer__owner"
    scope_collaborators_path = "customer__collaborators"

    class Meta:
        ordering = ["ends_on", "id"]
        verbose_name = _("renewal")
        verbose_name_plural = _("renewals")
        indexes = [
            ListOrderIndex(fields=["ends_on", "id"], name="renewal_ends_sort_idx"),
            models.Index(fields=["status", "ends_on"], name="renewal_status_ends_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "ends_on"], condition=Q(deleted_at__isnull=True), name="renewal_asset_term_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset} · {self.ends_on:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.UNDECIDED, self.Status.RENEWING)

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.ends_on < timezone.localdate()


class RenewalSettings(TimeStampedModel):
    """How renewals are opened and reminded (one row; services.renewal_settings gives the defaults): the window
    before the end date in which an asset joins the renewal list, and the lead times of the reminders."""

    window_days = models.PositiveIntegerField(
        _("renewal window (days)"), default=WINDOW_DAYS_DEFAULT,
        help_text=_("An asset joins the renewal list this many days before its end date."),
    )  # fmt: skip
    reminder_days = models.JSONField(_("reminders (days before the end)"), default=_reminder_days_default, blank=True)

    class Meta:
        verbose_name = _("renewal settings")
        verbose_name_plural = _("renewal settings")

    def __str__(self) -> str:
        return str(_("Renewal settings"))
