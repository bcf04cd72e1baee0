"""Approval rules (data an admin edits), running approval requests with their snapshotted steps,
every action taken on them, delegations while away, and the engine's settings."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guanxi.core.i18n import render_message
from guanxi.core.models import TimeStampedModel


class Mode(models.TextChoices):
    ANY = "any", _("Any one (或签)")
    ALL = "all", _("All must sign (会签)")


class ApproverType(models.TextChoices):
    ROLE = "role", _("Role")
    POSITION = "position", _("Position")
    MANAGER = "manager", _("Applicant's manager")
    DEPARTMENT_MANAGER = "department_manager", _("Applicant's department manager")
    USERS = "users", _("Named users")


class Op(models.TextChoices):
    LT = "lt", "<"
    LTE = "lte", "≤"
    GT = "gt", ">"
    GTE = "gte", "≥"
    EQ = "eq", "="
    NE = "ne", "≠"
    IN = "in", _("one of")


class ApprovalRule(TimeStampedModel):
    """When a document of `kind` meets every condition, its approval runs through this rule's steps.

    `conditions` is a list of {"fact", "op", "value"}; an empty list matches every document of the kind.
    The first active rule by (priority, id) whose conditions all hold wins.
    """

    kind = models.CharField(_("document type"), max_length=40, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    priority = models.IntegerField(_("priority"), default=100, help_text=_("Lower numbers are tried first."))
    is_active = models.BooleanField(_("active"), default=True)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    # Set on the default rules the apps register (approvals/defaults.py seeds them), so re-seeding never duplicates.
    seed_key = models.CharField(max_length=60, blank=True, editable=False)

    class Meta:
        ordering = ["kind", "priority", "id"]
        verbose_name = _("approval rule")
        verbose_name_plural = _("approval rules")
        constraints = [
            models.UniqueConstraint(fields=["seed_key"], condition=~Q(seed_key=""), name="approvals_rule_seed_key")
        ]

    def __str__(self) -> str:
        return render_message(self.name_msgid, fallback=self.name)

    @property
    def name_msgid(self) -> str:
        """A default rule's name is an English msgid shown in the reader's language; a rule an administrator
        created is named as they typed it."""
        return self.name if self.seed_key else ""


class ApprovalRuleStep(models.Model):
    rule = models.ForeignKey(ApprovalRule, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveIntegerField(_("order"), default=0)
    label = models.CharField(_("label"), max_length=100)
    approver_type = models.CharField(_("approver"), max_length=20, choices=ApproverType.choices)
    # Role or position codes for those approver types (any of them qualifies).
    codes = models.JSONField(_("codes"), default=list, blank=True)
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("users"), blank=True, related_name="+")
    # Role/position approvers only from the applicant's department (walking up the tree if it has none).
    same_department = models.BooleanField(_("applicant's department only"), default=False)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.ANY)

    class Meta:
        ordering = ["rule", "order", "id"]
        verbose_name = _("approval rule step")
        verbose_name_plural = _("approval rule steps")

    def __str__(self) -> str:
        return gettext(self.label)


class ApprovalRequest(TimeStampedModel):
    """One run of a document through an approval chain; the steps and approvers are snapshots."""

    class Status(models.TextChoices):
        PENDING = "pending", _("In approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETURNED = "returned", _("Returned for changes")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    kind = models.CharField(_("document type"), max_length=40, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    title = models.CharField(_("title"), max_length=300)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    # The document's customer (a plain id: approvals sits below customers), so the audit rows of the request
    # appear on the customer's timeline.
    customer_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True, editable=False)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="+"
    )
    rule = models.ForeignKey(
        ApprovalRule, verbose_name=_("rule"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule_name = models.CharField(_("rule"), max_length=200, blank=True)
    # The rule's name as a msgid when it was a default rule's name (core.i18n), shown in the reader's language.
    rule_name_id = models.CharField(max_length=200, blank=True)
    explanation = models.TextField(_("why these approvers"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    current_step = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    # Whoever may read the document may read its requests' audit entries (org.audit_changes.audit_visible).
    scope_document = ("content_type", "object_id")

    @staticmethod
    def audit_msgids(name: str) -> frozenset[str]:
        """Stored text of the change `name` that is an English msgid (org.audit_changes shows it translated): the
        default rules' names, which requests recorded as plain text before they were stored as messages."""
        if name != "rule":
            return frozenset()
        from guanxi.core.registry import registry

        return frozenset(spec["name"] for entry in registry.default_approval_rules for spec in entry.rules)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        indexes = [models.Index(fields=["content_type", "object_id", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=Q(status="pending"),
                name="approvals_one_open_request_per_document",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def rule_name_text(self) -> str:
        """The name of the rule that routed the request (as it was then), in the reader's language."""
        return render_message(self.rule_name_id, fallback=self.rule_name)


class ApprovalStep(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETURNED = "returned", _("Returned for changes")
        CANCELLED = "cancelled", _("Cancelled")

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveIntegerField()
    label = models.CharField(_("step"), max_length=100)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.ANY)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.WAITING)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["request", "order"]
        constraints = [models.UniqueConstraint(fields=["request", "order"], name="approvals_step_order")]
        indexes = [models.Index(fields=["status", "started_at"])]

    def __str__(self) -> str:
        return gettext(self.label)

    @property
    def display_label(self) -> str:
        return gettext(self.label)


class ApprovalAssignment(models.Model):
    """One approver of one step. `user` acts; `on_behalf_of` is the original approver when delegated."""

    class Decision(models.TextChoices):
        PENDING = "", _("Awaiting")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETURNED = "returned", _("Returned for changes")
        NOT_NEEDED = "not_needed", _("Not needed")

    step = models.ForeignKey(ApprovalStep, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.PENDING, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True, max_length=2000)

    class Meta:
        verbose_name = _("approval assignment")
        verbose_name_plural = _("approval assignments")
        ordering = ["step", "id"]
        indexes = [models.Index(fields=["user", "decision"])]

    def __str__(self) -> str:
        return f"{self.step_id}:{self.user_id}"


class ApprovalAction(models.Model):
    """Everything that happened to a request: who, what, when, which step, with what comment."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("Submitted")
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")
        RETURN = "return", _("Returned for changes")
        WITHDRAW = "withdraw", _("Withdrawn")
        REMIND = "remind", _("Reminded")

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="actions")
    step = models.ForeignKey(ApprovalStep, null=True, blank=True, on_delete=models.CASCADE, related_name="actions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("approval action")
        verbose_name_plural = _("approval actions")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class ApprovalDelegation(TimeStampedModel):
    """While `user` is away (start..end, inclusive), approvals that reach them go to `delegate`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("delegate"), on_delete=models.CASCADE, related_name="+"
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")

    def __str__(self) -> str:
        return f"{self.user} → {self.delegate} ({self.start_date}–{self.end_date})"


class ApprovalSettings(TimeStampedModel):
    """The engine's editable policy (one row)."""

    reminder_after_hours = models.PositiveIntegerField(
        _("remind after (hours)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
        help_text=_("Approvers of a step waiting longer than this get a reminder, at most once a day."),
    )

    class Meta:
        verbose_name = _("approval settings")
        verbose_name_plural = _("approval settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> ApprovalSettings:
        obj = cls.objects.order_by("pk").first()
        return obj if obj is not None else cls(reminder_after_hours=24)
