"""Duplicate detection's tables (查重): the customers' match keys, the rules, the conflicts of a registration and
the merges."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import TimeStampedModel


class CustomerKey(models.Model):
    """A normalised match key of a customer (name, credit code, phone, e-mail) for duplicate detection (查重).

    One indexed row per key, so "who already has this phone?" is one lookup, also for 100k-row imports.
    Contacts' phones and e-mails count as their customer's keys.
    """

    class Kind(models.TextChoices):
        NAME = "name", _("Company name")
        CREDIT_CODE = "credit_code", _("Unified social credit code")
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="dedupe_keys")
    contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("duplicate-check key")
        verbose_name_plural = _("duplicate-check keys")
        indexes = [models.Index(fields=["kind", "value"])]
        # Two partial constraints rather than NULLS NOT DISTINCT, which SQLite lacks.
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind", "value"],
                condition=models.Q(contact__isnull=True),
                name="customer_key_unique",
            ),
            models.UniqueConstraint(
                fields=["customer", "contact", "kind", "value"],
                condition=models.Q(contact__isnull=False),
                name="customer_contact_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class DedupeRule(TimeStampedModel):
    """What a match on one key does (admin-edited): block the entry, or warn and allow it."""

    class Action(models.TextChoices):
        BLOCK = "block", _("Block")
        WARN = "warn", _("Warn and allow")
        OFF = "off", _("Do not check")

    kind = models.CharField(_("key"), max_length=20, choices=CustomerKey.Kind.choices, unique=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices, default=Action.BLOCK)
    # For names only: fuzzy similarity (0-100, rapidfuzz) at or above which a name is a "possible duplicate".
    similarity = models.PositiveSmallIntegerField(_("similarity threshold"), default=90)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("duplicate rule")
        verbose_name_plural = _("duplicate rules")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_action_display()}"


class RegistrationConflict(TimeStampedModel):
    """A rep tried to register a customer someone already has (先录先得: the first owner keeps it).

    Managers decide: make the later rep a collaborator (joint pursuit, 最有利签约原则) or dismiss.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a decision")
        JOINT = "joint", _("Joint pursuit")
        DISMISSED = "dismissed", _("Dismissed")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("existing customer"),
        on_delete=models.CASCADE,
        related_name="registration_conflicts",
    )
    first_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first registrant"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("later registrant"),
        on_delete=models.CASCADE,
        related_name="registration_conflicts",
    )
    matched_on = models.CharField(_("matched on"), max_length=20, choices=CustomerKey.Kind.choices)
    matched_value = models.CharField(_("matched value"), max_length=200)
    attempted = models.JSONField(_("entered data"), default=dict, blank=True)
    entry_path = models.CharField(_("entered via"), max_length=30, default="ui")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("registration conflict")
        verbose_name_plural = _("registration conflicts")

    def __str__(self) -> str:
        return f"{self.customer} ← {self.claimant}"


class CustomerMerge(TimeStampedModel):
    """A merge of duplicates into one surviving customer, with the snapshot that lets it be undone."""

    survivor = models.ForeignKey(
        "customers.Customer", verbose_name=_("surviving customer"), on_delete=models.CASCADE, related_name="merges"
    )
    merged_ids = models.JSONField(_("merged customers"), default=list)
    # Field values of every customer before the merge and which related rows moved, for undo.
    snapshot = models.JSONField(default=dict)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")

    def __str__(self) -> str:
        return f"{self.survivor} ← {self.merged_ids}"
