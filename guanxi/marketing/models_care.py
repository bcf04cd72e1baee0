"""Customer care (客户关怀): greetings sent by the worker on a contact's birthday and on holidays.

A Greeting is the template an administrator keeps per occasion (text with the campaign merge fields, language,
channel, optionally a segment to limit it to). On the day, the worker records one GreetingSend per contact and
occasion *before* anything goes out (the unique constraint makes a second run, or a second greeting for the same
occasion, reach nobody twice), then sends it as campaigns do. Contacts of key accounts (customer levels the
greeting names) get no message: their owner gets a task to call instead.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import BusinessModel

from .occasions import Occasion

LANGUAGE_NAMES = {"zh-hans": pgettext_lazy("language name", "Chinese"), "en": pgettext_lazy("language name", "English")}


class Greeting(BusinessModel):
    class Language(models.TextChoices):
        ZH = "zh-hans", "中文"
        EN = "en", "English"

    @classmethod
    def audit_text(cls, name: str, value: Any) -> str | None:
        """A language reads as its name in the reader's language (英文), not its own."""
        if name == "language" and value in LANGUAGE_NAMES:
            return str(LANGUAGE_NAMES[value])
        return None

    class Channel(models.TextChoices):  # a phone greeting is always a call task: see call_levels
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")
        WECHAT = "wechat", _("WeChat")

    name = models.CharField(_("name"), max_length=120)
    occasion = models.CharField(_("occasion"), max_length=20, choices=Occasion.choices, db_index=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.ZH)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"))
    custom_text = models.CharField(_("custom text"), max_length=500, blank=True)
    segment = models.ForeignKey(
        "marketing.Segment", verbose_name=_("segment"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("Empty: every contact who may be contacted on the channel."),
    )  # fmt: skip
    call_levels = models.JSONField(
        _("call key accounts instead"), default=list, blank=True,
        help_text=_("Contacts of customers at these levels get no message: their owner gets a task to call."),
    )  # fmt: skip
    active = models.BooleanField(_("active"), default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    audit_exclude = ("subject", "body", "custom_text")

    class Meta:
        verbose_name = _("greeting")
        verbose_name_plural = _("greetings")
        ordering = ["occasion", "name", "id"]

    def __str__(self) -> str:
        return self.name


class GreetingSend(models.Model):
    """One contact greeted (or to be called) for one occasion on one day: written before anything goes out."""

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("delivery status", "Queued")
        SENDING = "sending", pgettext_lazy("delivery status", "Sending")
        SENT = "sent", pgettext_lazy("delivery status", "Sent")
        FAILED = "failed", pgettext_lazy("delivery status", "Failed")
        SKIPPED = "skipped", pgettext_lazy("delivery status", "Skipped (opted out)")
        UNCONFIRMED = "unconfirmed", pgettext_lazy("delivery status", "Unconfirmed (interrupted)")
        CALL_TASK = "call", pgettext_lazy("greeting status", "Call task for the owner")

    greeting = models.ForeignKey(Greeting, on_delete=models.CASCADE, related_name="sends")
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="+")
    occasion = models.CharField(_("occasion"), max_length=20, choices=Occasion.choices)
    on = models.DateField(_("date"))
    address = models.CharField(_("address"), max_length=254, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    task = models.ForeignKey("customers.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_id = models.CharField(_("provider id"), max_length=200, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("greeting sent")
        verbose_name_plural = _("greetings sent")
        constraints = [models.UniqueConstraint(fields=["contact", "occasion", "on"], name="mkt_greeting_once")]
        indexes = [models.Index(fields=["on", "status"], name="mkt_greeting_day_idx")]

    def __str__(self) -> str:
        return f"{self.occasion} {self.on} → {self.contact_id} {self.status}"


class CarePlan(BusinessModel):
    """A recurring care schedule for VIP customers (e.g. a visit every quarter, a call every month, a gift every
    year), kept by an administrator; it applies to every customer at its levels and to those added by hand. The
    worker turns each step into a task for the customer's owner when it comes due; logging a follow-up on the
    customer completes it; a task left overdue is flagged to the owner's manager."""

    class Kind(models.TextChoices):
        VISIT = "visit", pgettext_lazy("care step", "Visit")
        CALL = "call", pgettext_lazy("care step", "Call")
        GIFT = "gift", pgettext_lazy("care step", "Gift")

    name = models.CharField(_("name"), max_length=120)
    levels = models.JSONField(
        _("customer levels"), default=list, blank=True,
        help_text=_("Customers at these levels follow the plan; others can be added by hand."),
    )  # fmt: skip
    # [{"kind": "visit", "every_months": 3}, …]
    steps = models.JSONField(_("schedule"), default=list)
    active = models.BooleanField(_("active"), default=True)
    customers = models.ManyToManyField("customers.Customer", through="CarePlanMember", related_name="+", blank=True)

    class Meta:
        verbose_name = _("care plan")
        verbose_name_plural = _("care plans")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def audit_text(cls, name: str, value: Any) -> str | None:
        """The audit trail's words for the schedule: "拜访 每 3 个月, 电话 每 1 个月"."""
        if name == "steps" and isinstance(value, list):
            kinds: dict[Any, Any] = dict(cls.Kind.choices)
            return ", ".join(
                gettext("%(kind)s every %(months)s months")
                % {"kind": kinds.get(s.get("kind"), s.get("kind")), "months": s.get("every_months")}
                for s in value
                if isinstance(s, dict)
            )
        return None


class CarePlanMember(models.Model):
    """A customer put on a care plan by hand (beside those its levels bring)."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "customer"], name="mkt_care_member_once")]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.customer_id}"


class CareTask(models.Model):
    """One due step of a plan for one customer: the owner's task, and whether its lateness was flagged."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="care_tasks")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=CarePlan.Kind.choices)
    due_on = models.DateField(_("due"))
    task = models.ForeignKey("customers.Task", on_delete=models.CASCADE, related_name="+")
    flagged_at = models.DateTimeField(_("flagged to the manager"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "customer", "kind", "due_on"], name="mkt_care_task_once")
        ]
        indexes = [models.Index(fields=["plan", "customer", "kind", "due_on"], name="mkt_care_task_last_idx")]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.customer_id} {self.kind} {self.due_on}"
