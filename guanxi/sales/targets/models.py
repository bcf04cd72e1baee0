"""Sales targets (业绩目标) of people and departments, and the monthly forecast snapshots."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import TimeStampedModel
from guanxi.sales.opportunities.models import Pipeline


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class SalesTarget(TimeStampedModel):
    """A sales target (业绩目标) of one person or one department for a month, quarter or year.

    A department target may be split among its members: their targets point to it through `parent`
    and must add up to it (targets.target_split checks that).
    """

    class Metric(models.TextChoices):
        SIGNED_AMOUNT = "signed_amount", _("Signed amount")
        NEW_CUSTOMERS = "new_customers", _("New customers")
        NEW_OPPORTUNITIES = "new_opportunities", _("New opportunities")
        # Reads 0 until payments (回款) exist.
        COLLECTED_AMOUNT = "collected_amount", _("Collected amount")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sales_targets",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sales_targets",
    )
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH)
    period_start = models.DateField(_("period start"))
    metric = models.CharField(_("metric"), max_length=30, choices=Metric.choices, default=Metric.SIGNED_AMOUNT)
    value = models.DecimalField(_("target"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    parent = models.ForeignKey(
        "self",
        verbose_name=_("split from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Person targets are read within the viewer's opportunities scope (department targets: see targets/services.py).
    scope_module = "opportunities"
    scope_owner_path = "owner"
    scope_collaborators_path = None

    class Meta:
        ordering = ["period_start", "department", "owner", "metric"]
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False, department__isnull=True)
                | Q(owner__isnull=True, department__isnull=False),
                name="sales_target_owner_xor_department",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="sales_target_value_not_negative"),
            models.UniqueConstraint(
                fields=["owner", "period_kind", "period_start", "metric"],
                condition=Q(owner__isnull=False),
                name="sales_target_unique_owner",
            ),
            models.UniqueConstraint(
                fields=["department", "period_kind", "period_start", "metric"],
                condition=Q(department__isnull=False),
                name="sales_target_unique_department",
            ),
        ]

    @property
    def is_amount(self) -> bool:
        """An amount in yuan (signed, collected), not a count of customers or deals."""
        return self.metric in (self.Metric.SIGNED_AMOUNT, self.Metric.COLLECTED_AMOUNT)

    def __str__(self) -> str:
        who = self.owner or self.department
        return f"{who} · {self.get_metric_display()} · {self.period_start:%Y-%m-%d}"


class ForecastSnapshot(models.Model):
    """The forecast as it stood when taken (monthly): open opportunities expected to close in the period."""

    taken_at = models.DateTimeField(_("taken at"), default=timezone.now, db_index=True)
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH)
    period_start = models.DateField(_("period start"))
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    department = models.ForeignKey("org.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    weighted = models.DecimalField(_("weighted"), max_digits=16, decimal_places=2, default=0)
    commit = models.DecimalField(_("commit"), max_digits=16, decimal_places=2, default=0)
    best_case = models.DecimalField(_("best case"), max_digits=16, decimal_places=2, default=0)
    pipeline_amount = models.DecimalField(_("pipeline amount"), max_digits=16, decimal_places=2, default=0)
    count = models.PositiveIntegerField(_("opportunities"), default=0)

    class Meta:
        ordering = ["-taken_at", "-id"]
        indexes = [models.Index(fields=["period_kind", "period_start"])]
        verbose_name = _("forecast snapshot")
        verbose_name_plural = _("forecast snapshots")

    def __str__(self) -> str:
        return f"{self.period_start:%Y-%m} @ {self.taken_at:%Y-%m-%d}"
