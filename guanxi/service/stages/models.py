"""Staged tasks (分阶段任务): a stage template an administrator edits (e.g. 报案 → 查勘 → 定损 → 理赔 → 结案, or
投保 → 核保 → 出单), each stage with its tasks and their due offsets in days. Started on a ticket or an asset, it
records the stage reached; entering a stage creates its tasks (customers' to-dos) for the record's owner."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import TimeStampedModel


class StageTemplate(TimeStampedModel):
    class Target(models.TextChoices):
        TICKET = "ticket", _("Tickets")
        ASSET = "asset", _("Customer assets")

    name = models.CharField(_("name"), max_length=100)
    target = models.CharField(_("used on"), max_length=10, choices=Target.choices, default=Target.TICKET)
    # Which tickets or assets it is offered for: a ticket type or an asset kind code; empty: every one.
    type_code = models.CharField(_("ticket type or asset kind"), max_length=30, blank=True)
    # [{"name": "查勘", "tasks": [{"title": "现场查勘拍照", "due_days": 1}, …]}, …]
    stages = models.JSONField(_("stages"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    # Started by itself on every new ticket of its type (a ticket template with a type only; one per type).
    auto_start = models.BooleanField(_("start automatically on new tickets of this type"), default=False)

    class Meta:
        ordering = ["target", "name", "id"]
        verbose_name = _("stage template")
        verbose_name_plural = _("stage templates")
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="stage_template_name_not_blank"),
            models.CheckConstraint(
                condition=Q(auto_start=False) | (Q(target="ticket") & ~Q(type_code="")),
                name="stage_template_auto_start_ticket_type",
            ),
            models.UniqueConstraint(
                fields=["type_code"], condition=Q(auto_start=True, is_active=True),
                name="stage_template_one_auto_start_per_type",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name

    @property
    def stage_names(self) -> list[str]:
        return [str(s.get("name", "")) for s in self.stages or []]

    @classmethod
    def audit_text(cls, name: str, value: Any) -> str | None:
        """The audit trail's words for the stages (报案 (1) → 查勘 (2): each stage with its number of tasks) and for
        the ticket type or asset kind (its label, not its code)."""
        if name == "stages" and isinstance(value, list):
            return " → ".join(
                f"{s.get('name', '')} ({len(s.get('tasks') or [])})" for s in value if isinstance(s, dict)
            )
        if name == "type_code" and isinstance(value, str) and value:
            from guanxi.core.dictionaries.selectors import entry

            from ..dictionaries import ASSET_KIND, TICKET_TYPE

            found = entry(TICKET_TYPE, value) or entry(ASSET_KIND, value)
            return found.label if found is not None else None
        return None


class StageRun(TimeStampedModel):
    """A template started on one ticket or asset: the stages as they were when it started (a later edit of the
    template does not move a run under way), the stage reached, and the tasks created so far."""

    template = models.ForeignKey(
        StageTemplate, verbose_name=_("stage template"), on_delete=models.PROTECT, related_name="runs"
    )
    ticket = models.ForeignKey(
        "service.Ticket", verbose_name=_("ticket"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="stage_runs",
    )  # fmt: skip
    asset = models.ForeignKey(
        "service.Asset", verbose_name=_("asset"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="stage_runs",
    )  # fmt: skip
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE)
    stages = models.JSONField(_("stages"), default=list)
    stage_index = models.PositiveIntegerField(_("stage reached"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tasks = models.ManyToManyField("customers.Task", blank=True, related_name="stage_runs")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("staged run")
        verbose_name_plural = _("staged runs")
        constraints = [
            models.CheckConstraint(
                condition=Q(ticket__isnull=False, asset__isnull=True) | Q(ticket__isnull=True, asset__isnull=False),
                name="stage_run_one_record",
            ),
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(finished_at__isnull=True, ticket__isnull=False),
                name="stage_run_one_open_per_ticket",
            ),
            models.UniqueConstraint(
                fields=["asset"], condition=Q(finished_at__isnull=True, asset__isnull=False),
                name="stage_run_one_open_per_asset",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.template} · {self.stage_name}"

    @property
    def stage_name(self) -> str:
        if self.finished_at is not None:
            return ""
        stages = self.stages or []
        return str(stages[self.stage_index].get("name", "")) if self.stage_index < len(stages) else ""

    @property
    def is_last_stage(self) -> bool:
        return self.stage_index >= len(self.stages or []) - 1
