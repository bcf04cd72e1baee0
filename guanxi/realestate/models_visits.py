"""The sales office's people and visitors: who works on which project (项目成员, the data scope by project, and the
duty rotation 轮岗), the grading rules an administrator edits (分级规则), and the visitors of a project (来访客户) with
their visits (来访登记).

A visitor IS a Guanxi customer (a person): `Visitor` only holds what belongs to one project — the agent, the grade,
the questionnaire's answers (custom fields of the object "Sales-office visitors") and the visit count. Their
follow-ups are the customers app's follow-up records.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.custom_fields.models import CustomFieldsModel
from guanxi.core.dictionaries.fields import DictionaryField
from guanxi.core.models import BusinessModel, TimeStampedModel


class ProjectMember(TimeStampedModel):
    """A user assigned to a project: they see it (units, board, visitors, sales) when their role's data scope is
    narrower than "all records". `rotation_order` puts them on the sales office's duty rotation (轮岗; empty: not on
    it); `absent` skips them while they are away; `last_turn_at` is when they last got a first-time visitor, so the
    next in turn is the present member who waited longest."""

    project = models.ForeignKey(
        "realestate.Project", on_delete=models.CASCADE, related_name="members", verbose_name=_("project")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="realestate_projects", verbose_name=_("user")
    )
    rotation_order = models.PositiveSmallIntegerField(_("place on the duty rotation"), null=True, blank=True)
    absent = models.BooleanField(_("absent"), default=False)
    last_turn_at = models.DateTimeField(_("last turn"), null=True, blank=True)

    class Meta:
        ordering = ["project_id", "rotation_order", "id"]
        verbose_name = _("project member")
        verbose_name_plural = _("project members")
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="re_member_unique")]

    def __str__(self) -> str:
        return f"{self.project_id} · {self.user}"


class Grade(models.TextChoices):
    A = "A", _("A — buying soon")
    B = "B", _("B — interested")
    C = "C", _("C — just looking")


class GradeRule(TimeStampedModel):
    """One grading rule (data, edited by an administrator): the visitor gets `grade` when every condition holds
    ({fact, op, value}, the approval rules' conditions); the rules are tried by priority, the first match wins, none
    matching leaves grade C. Facts: `visits`, `source` and every questionnaire answer by its field code."""

    project = models.ForeignKey(
        "realestate.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="grade_rules",
        verbose_name=_("project"), help_text=_("Empty: every project."),
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=100)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), default=10)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("grading rule")
        verbose_name_plural = _("grading rules")

    def __str__(self) -> str:
        return self.name


class Visitor(BusinessModel, CustomFieldsModel):
    """A customer as a visitor of one project (来访客户): first and last visit, how many, the agent who receives
    them, their grade, and the questionnaire's answers (`custom`)."""

    project = models.ForeignKey(
        "realestate.Project", on_delete=models.PROTECT, related_name="visitors", verbose_name=_("project")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="realestate_visits", verbose_name=_("customer")
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="realestate_visitors",
        verbose_name=_("agent"),
    )  # fmt: skip
    source = DictionaryField(_("source"), dictionary="re_visit_source", blank=True)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, default=Grade.C)
    graded_by_rule = models.ForeignKey(
        GradeRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("grading rule")
    )
    first_visit_at = models.DateTimeField(_("first visit"))
    last_visit_at = models.DateTimeField(_("last visit"))
    visit_count = models.PositiveIntegerField(_("visits"), default=1)

    scope_module = "re_visitors"
    scope_owner_path = "agent"  # an agent with "own records" sees the visitors they receive

    class Meta:
        ordering = ["-last_visit_at", "-id"]
        verbose_name = _("real-estate visitor")
        verbose_name_plural = _("real-estate visitors")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "customer"], condition=Q(deleted_at__isnull=True), name="re_visitor_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.project_id}"

    @property
    def returned(self) -> bool:
        return self.visit_count > 1


class Visit(models.Model):
    """One visit to the sales office (来访登记): the first, or a return (复访)."""

    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="visits", verbose_name=_("visitor"))
    visited_at = models.DateTimeField(_("visited at"))
    is_return = models.BooleanField(_("return visit"), default=False)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("agent")
    )
    party_size = models.PositiveSmallIntegerField(_("party size"), default=1)
    note = models.CharField(_("note"), max_length=300, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by")
    )

    class Meta:
        ordering = ["-visited_at", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [models.Index(fields=["visited_at"], name="re_visit_at")]

    def __str__(self) -> str:
        return f"{self.visitor_id} @ {self.visited_at:%Y-%m-%d}"
