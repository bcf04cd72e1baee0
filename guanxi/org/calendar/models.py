"""A user's personal calendar feed key (imported by org.models)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import TimeStampedModel


class CalendarFeed(TimeStampedModel):
    """The key of a user's calendar feed URL. The URL carries the user id and `nonce`, signed with the site's
    secret key (django.core.signing); regenerating replaces the nonce (the old URL stops working), revoking
    deletes the row (no URL works)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="calendar_feed"
    )
    nonce = models.CharField(max_length=64)
    last_read_at = models.DateTimeField(_("last read"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id}"
