"""Analytics (the top floor): the usage league's rules an administrator edits, and the monthly league as published.

Every figure itself is computed from the metrics the other apps register (core.registry `Metric`); analytics
stores only its own rules and what it published."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import TimeStampedModel

# The league's measures and their default weights (%), from the policy (000 §十二.4, 评比标准): quantity — new
# customers, new opportunities, follow-ups (calls and visits); quality — customer value (contracts signed),
# opportunity value (amount of new opportunities), funnel progress (steps forward).
DEFAULT_WEIGHTS: dict[str, int] = {
    "new_customers": 25,
    "new_opportunities": 20,
    "follow_ups": 15,
    "signed_contract_amount": 15,
    "new_opportunity_value": 15,
    "funnel_progress": 10,
}


def default_weights() -> dict[str, int]:
    return dict(DEFAULT_WEIGHTS)


def default_roles() -> list[str]:
    return ["sales_rep", "channel_rep"]


class LeaguePolicy(TimeStampedModel):
    """The usage league's rules (CRM 使用考核, 000 §十二), one row, edited by an administrator."""

    min_new_customers = models.PositiveIntegerField(_("minimum new customers per month"), default=20)
    min_new_opportunities = models.PositiveIntegerField(_("minimum new opportunities per month"), default=5)
    weights = models.JSONField(_("weights"), default=default_weights)
    roles = models.JSONField(_("roles ranked"), default=default_roles)
    follow_up_window_days = models.PositiveIntegerField(
        _("follow-up window (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("An open opportunity whose customer has no follow-up for this long is a violation."),
    )
    staff_named = models.PositiveSmallIntegerField(_("staff named at the top and bottom"), default=3)
    agents_named = models.PositiveSmallIntegerField(_("agents named at the top and bottom"), default=10)
    inactive_days = models.PositiveIntegerField(
        _("flag after days without signing in"), default=3, validators=[MinValueValidator(1)]
    )
    priority_rule = models.BooleanField(_("top of the league first in automatic assignment"), default=False)
    exclusion_rule = models.BooleanField(_("bottom of the league left out of automatic assignment"), default=False)
    exclusion_months = models.PositiveSmallIntegerField(
        _("consecutive months at the bottom"), default=2, validators=[MinValueValidator(1)]
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("league rules")
        verbose_name_plural = _("league rules")

    def __str__(self) -> str:
        return str(_("League rules"))

    @classmethod
    def current(cls) -> LeaguePolicy:
        policy = cls.objects.order_by("pk").first()
        return policy if policy is not None else cls.objects.create()

    def weight_map(self) -> dict[str, int]:
        stored: dict[str, Any] = self.weights if isinstance(self.weights, dict) else {}
        return {key: int(stored.get(key, 0) or 0) for key in DEFAULT_WEIGHTS}


class LeaguePublication(models.Model):
    """The league of one month as it was published to the team (the page shows it; the next month's assignment
    rules read it)."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("Staff")
        AGENTS = "agents", _("Agents")

    month = models.DateField(_("month"))
    kind = models.CharField(_("league"), max_length=10, choices=Kind.choices, default=Kind.STAFF)
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    # [{"user": id, "name", "rank", "score", "flagged", "violations", "values": {measure: value}}]
    rows = models.JSONField(default=list)
    top = models.JSONField(default=list)  # user ids named at the top
    bottom = models.JSONField(default=list)  # user ids named at the bottom

    class Meta:
        ordering = ["-month", "kind"]
        constraints = [models.UniqueConstraint(fields=["month", "kind"], name="league_publication_month_kind")]
        verbose_name = _("published league")
        verbose_name_plural = _("published leagues")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind}"


class DashboardLayout(models.Model):
    """The widgets one person chose for their dashboard, in order (none stored: their role's defaults)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dashboard_layout")
    widgets = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("dashboard layout")
        verbose_name_plural = _("dashboard layouts")

    def __str__(self) -> str:
        return f"{self.user_id}: {', '.join(self.widgets)}"


class ReportSubscription(TimeStampedModel):
    """A person's standing order for a report by e-mail (the worker sends it on its schedule, as the person would
    see it: their own data scope), with the XLSX or PDF attached."""

    class Report(models.TextChoices):
        MONTHLY = "monthly_report", _("Monthly management report")
        DASHBOARD = "dashboard", _("Dashboard figures")
        LEAGUE = "league", _("Usage league")
        BUILT = "built", _("A report of the report builder")

    class Frequency(models.TextChoices):
        DAILY = "daily", _("Every day")
        WEEKLY = "weekly", _("Every Monday")
        MONTHLY = "monthly", _("On the first of each month")

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel (XLSX)")
        PDF = "pdf", _("PDF")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_subscriptions")
    report = models.CharField(_("report"), max_length=20, choices=Report.choices)
    frequency = models.CharField(_("how often"), max_length=10, choices=Frequency.choices)
    fmt = models.CharField(_("attachment"), max_length=5, choices=Format.choices, default=Format.XLSX)
    saved_report = models.ForeignKey(
        "SavedReport", on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions"
    )  # the built report sent (report == "built")
    # The schedule's period last sent ("2026-12-06", "2026-W49", "2026-12"): a run claims it before sending, so
    # two workers (or a retry) never send the same period twice.
    last_period = models.CharField(max_length=12, blank=True, default="")
    # The relative period the report covers (analytics.relative), read on the day it is sent; "" is the month before
    # that day (the default from the start). A built report uses its own period.
    period = models.CharField(_("period"), max_length=20, blank=True, default="")
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)

    class Meta:
        ordering = ["user_id", "report", "frequency"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "report", "frequency"],
                condition=models.Q(saved_report__isnull=True),
                name="report_subscription_once",
            ),
            models.UniqueConstraint(
                fields=["user", "saved_report", "frequency"],
                condition=models.Q(saved_report__isnull=False),
                name="report_subscription_built_once",
            ),
        ]
        verbose_name = _("report subscription")
        verbose_name_plural = _("report subscriptions")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.report} {self.frequency}"

    @property
    def period_label(self) -> Any:
        from django.utils.translation import gettext

        from .relative import relative_label

        return relative_label(self.period) if self.period else gettext("The month before the day it is sent")


class SavedReport(TimeStampedModel):
    """A report built in the report builder (报表设计器): an object (a list of the shared list toolkit), its filters
    (that list's query string: the toolkit's whitelisted fields and `where`), one grouping, one measure and a chart.
    Run as whoever reads it, so each reader sees only their own data scope; shared with roles by its owner."""

    class Chart(models.TextChoices):
        BAR = "bar", _("Bar chart")
        LINE = "line", _("Line chart")
        PIE = "pie", _("Pie chart")
        TABLE = "table", _("Table only")

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_reports")
    object = models.CharField(_("object"), max_length=40)  # a list key of the toolkit (registry)
    filters = models.TextField(_("filters"), blank=True, default="")  # the list's query string
    group_by = models.CharField(_("group by"), max_length=80)
    measure = models.CharField(_("measure"), max_length=90, default="count")  # count | sum:<field> | avg:<field>
    chart = models.CharField(_("chart"), max_length=10, choices=Chart.choices, default=Chart.BAR)
    # A relative period (analytics.relative: "last_month"…), read on the day the report runs; "" is all time. Kept as
    # the choice, never as dates, so a saved report always shows the period it names.
    period = models.CharField(_("period"), max_length=20, blank=True, default="")
    period_field = models.CharField(_("dated by"), max_length=80, blank=True, default="")  # a date field's key
    roles = models.ManyToManyField("org.Role", verbose_name=_("shared with roles"), blank=True, related_name="+")

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("saved report")
        verbose_name_plural = _("saved reports")

    def __str__(self) -> str:
        return self.name
