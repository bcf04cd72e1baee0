"""What the mail layer remembers: where each polled mailbox stopped (UIDVALIDITY and last UID, the last error) and
every message it filed or sent (the Message-ID that keeps a message from being filed twice, and the ids a reply
threads on). Imported by guanxi/core/models.py so that Django finds them."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MailboxState(models.Model):
    """One polled mailbox: "service" (the service desk's), "user:<id>" (a user's own)."""

    key = models.CharField(_("mailbox"), max_length=100, unique=True)
    uidvalidity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)
    # Where the poll stopped in each further folder it reads (the Sent folder): {name: [UIDVALIDITY, last UID]}.
    folders = models.JSONField(default=dict, blank=True)
    polled_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    error_at = models.DateTimeField(_("error at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mailbox state")
        verbose_name_plural = _("mailbox states")

    def __str__(self) -> str:
        return self.key


class MailMessage(models.Model):
    """A message a mailbox received (filed on a record, or kept unfiled when nobody matched) or sent."""

    class Direction(models.TextChoices):
        IN = "in", pgettext_lazy("mail direction", "Received")
        OUT = "out", pgettext_lazy("mail direction", "Sent")

    mailbox = models.CharField(_("mailbox"), max_length=100)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices, default=Direction.IN)
    message_id = models.CharField(_("Message-ID"), max_length=300)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=300, blank=True)
    sender = models.CharField(_("from"), max_length=254, blank=True)
    recipients = models.TextField(_("to"), blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    # Where it was filed, as "<app>.<model>:<pk>" (e.g. "service.ticket:12"); "" when nothing matched.
    filed_as = models.CharField(_("filed as"), max_length=100, blank=True, db_index=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("e-mail message")
        verbose_name_plural = _("e-mail messages")
        constraints = [models.UniqueConstraint(fields=["mailbox", "message_id"], name="mail_message_once")]

    def __str__(self) -> str:
        return f"{self.mailbox} {self.message_id}"
