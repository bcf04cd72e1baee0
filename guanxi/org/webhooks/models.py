"""Webhook subscriptions and their delivery log (imported by org.models, so the tables are org's)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.mail.crypto import secret_decrypt
from guanxi.core.models import TimeStampedModel


def secret_hint_of(plain: str) -> str:
    """A secret as shown after creation: its prefix and last four characters."""
    return f"{plain[:6]}…{plain[-4:]}" if plain else ""


class WebhookSubscription(TimeStampedModel):
    """An external system told about chosen business events: a POST of each event to `url`, signed with `secret`
    (HMAC-SHA256 over "timestamp.body"). The secret is shown once, when created or rotated; it stays stored,
    encrypted like the mailbox passwords (core.mail.crypto), because every delivery is signed with it; its hint is
    kept beside it so that pages and lists never decrypt it. Repeated failures switch the subscription off."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    event_types = models.JSONField(_("events"), default=list, blank=True)
    secret = models.TextField(_("signing secret"))  # encrypted (core.mail.crypto): read it with signing_secret
    secret_hint = models.CharField(_("signing secret hint"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The webhook's reader: the body's custom fields are those this role sees ("" : only the fields every role sees).
    reader_role = models.SlugField(_("custom fields as seen by"), max_length=50, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    disabled_at = models.DateTimeField(_("switched off at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why it was switched off"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    audit_exclude = ("secret", "secret_hint", "updated_at", "consecutive_failures")

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name

    @property
    def signing_secret(self) -> str:
        """The secret in clear, for signing a delivery (raises SecretUnreadable when its key is gone)."""
        return secret_decrypt(self.secret)


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one subscription, with what happened at each attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    subscription = models.ForeignKey(
        WebhookSubscription, verbose_name=_("webhook"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.CharField(_("event ID"), max_length=36, db_index=True)
    event_type = models.CharField(_("event"), max_length=60)
    object_id = models.CharField(_("object ID"), max_length=64, blank=True)
    payload = models.JSONField(_("body"), default=dict)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    response_ms = models.PositiveIntegerField(_("response time (ms)"), null=True, blank=True)
    response_body = models.CharField(_("response"), max_length=1000, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    # [{"at", "status", "ms", "error"}] of each attempt (the newest 30).
    attempt_log = models.JSONField(default=list, blank=True)
    replay_of = models.ForeignKey(
        "self", verbose_name=_("replay of"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="org_webhook_due_idx"),
            models.Index(fields=["subscription", "-created_at"], name="org_webhook_log_idx"),
        ]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event_type} → {self.subscription_id} ({self.status})"
