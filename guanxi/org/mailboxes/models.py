"""A user's own mailbox (IMAP to read, SMTP to send): the worker files its mail on the customers' timelines
(guanxi/customers/mail.py). Passwords are stored encrypted (guanxi/core/mail/crypto.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import TimeStampedModel


class UserMailbox(TimeStampedModel):
    class Security(models.TextChoices):
        SSL = "ssl", "SSL/TLS"
        STARTTLS = "starttls", "STARTTLS"
        NONE = "none", _("None (a server on the same machine only)")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="mailbox"
    )
    address = models.EmailField(_("e-mail address"))
    imap_host = models.CharField(_("IMAP server"), max_length=200)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(_("IMAP security"), max_length=10, choices=Security.choices, default="ssl")
    imap_username = models.CharField(_("IMAP user name"), max_length=200)
    imap_password = models.TextField(_("IMAP password"), blank=True)  # encrypted
    imap_folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    smtp_host = models.CharField(_("SMTP server"), max_length=200)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=465)
    smtp_security = models.CharField(_("SMTP security"), max_length=10, choices=Security.choices, default="ssl")
    smtp_username = models.CharField(_("SMTP user name"), max_length=200, blank=True)
    smtp_password = models.TextField(_("SMTP password"), blank=True)  # encrypted; empty: the IMAP password
    is_active = models.BooleanField(_("active"), default=True)

    audit_exclude = ("imap_password", "smtp_password", "updated_at")

    class Meta:
        ordering = ["address", "id"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.address

    @property
    def poll_key(self) -> str:
        """The key of its MailboxState and MailMessage rows (guanxi/core/mail)."""
        return f"user:{self.user_id}"
