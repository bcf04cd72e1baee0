"""Events (展会, 研讨会): an exhibition or seminar people register for through a public form, are checked in at
the door (from the registration list, or by the code on their confirmation e-mail), and whose attendees become
leads tagged with the event's campaign (marketing.leads), so the campaign counts them like any other response."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import BusinessModel, ListOrderIndex


class Event(BusinessModel):
    # a check-in is recorded on the event as {"registrations": {"checked_in": <registration id>}}
    audit_labels = {"registrations": _("registrations")}

    @classmethod
    def audit_text(cls, name: str, value: Any) -> str | None:
        if name == "registrations" and isinstance(value, dict) and "checked_in" in value:
            return gettext("one checked in")
        return None

    class Kind(models.TextChoices):
        EXHIBITION = "exhibition", _("Exhibition (展会)")
        SEMINAR = "seminar", _("Seminar (研讨会)")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.SEMINAR)
    campaign = models.ForeignKey(
        "marketing.Campaign", verbose_name=_("campaign"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="events", help_text=_("Attendees become leads tagged with this campaign."),
    )  # fmt: skip
    starts_at = models.DateTimeField(_("starts at"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), default=0, help_text=_("0: no limit."))
    registration_open = models.BooleanField(_("registration open"), default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [ListOrderIndex(fields=["name", "id"], name="mkt_event_name_sort_idx")]

    def __str__(self) -> str:
        return self.name


class Registration(models.Model):
    """One person registered for an event; `code` is on their confirmation e-mail and checks them in."""

    class Status(models.TextChoices):
        REGISTERED = "registered", pgettext_lazy("event registration", "Registered")
        ATTENDED = "attended", pgettext_lazy("event registration", "Checked in")
        CANCELLED = "cancelled", pgettext_lazy("event registration", "Cancelled")

    class Confirmation(models.TextChoices):
        NONE = "", pgettext_lazy("registration confirmation", "None")
        PENDING = "pending", pgettext_lazy("registration confirmation", "To be sent")
        SENT = "sent", pgettext_lazy("registration confirmation", "Sent")
        FAILED = "failed", pgettext_lazy("registration confirmation", "Could not be sent")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    name = models.CharField(_("name"), max_length=100)
    company = models.CharField(_("company"), max_length=200, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    code = models.CharField(_("check-in code"), max_length=12, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REGISTERED)
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("checked in by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    # The language the registration form was filled in (zh-hans, en): the confirmation is written in it.
    language = models.CharField(_("language"), max_length=10, blank=True, default="")
    lead = models.ForeignKey(
        "sales.Lead", verbose_name=_("lead"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The confirmation (the check-in code) is an outbox row on the registration itself: the worker sends it by
    # e-mail, or by SMS when only a mobile was given, and retries with a growing pause (marketing.confirmations).
    confirmation = models.CharField(
        _("confirmation"),
        max_length=10,
        choices=Confirmation.choices,
        default=Confirmation.NONE,
        blank=True,
        db_index=True,
    )
    confirmation_channel = models.CharField(_("confirmation channel"), max_length=10, blank=True)
    confirmation_attempts = models.PositiveSmallIntegerField(_("confirmation attempts"), default=0)
    confirmation_due_at = models.DateTimeField(_("confirmation due"), null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(_("confirmation sent at"), null=True, blank=True)
    confirmation_provider_id = models.CharField(_("provider id"), max_length=200, blank=True)
    confirmation_error = models.CharField(_("confirmation error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        indexes = [models.Index(fields=["event", "status"], name="mkt_registration_status_idx")]

    def __str__(self) -> str:
        return f"{self.name} · {self.event_id}"
