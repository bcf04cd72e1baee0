"""Marketing (市场营销): who to reach and whether we may.

* A segment (市场细分) is a saved filter over the customer or contact list, in the list toolkit's own query
  language (the list page's address: quick filters, `where` rules, search), counted live in the reader's data
  scope; or a static list of contacts added by hand from a list's bulk bar.
* Consent is per contact and channel (e-mail, SMS, WeChat, phone): opted in or out, with its source and time.
  An opt-out, an unsubscribe and the suppression list (an address nobody may be sent to) are honoured by every
  send (consent.may_contact).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import BusinessModel, ListOrderIndex, TimeStampedModel


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    PHONE = "phone", pgettext_lazy("marketing channel", "Phone call")


class Segment(BusinessModel):
    class Kind(models.TextChoices):
        DYNAMIC = "dynamic", _("Dynamic (saved filter)")
        STATIC = "static", _("Static list")

    class Base(models.TextChoices):
        CUSTOMERS = "customers", _("Customers (their contacts)")
        CONTACTS = "contacts", _("Contacts")

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DYNAMIC)
    base = models.CharField(_("based on"), max_length=20, choices=Base.choices, default=Base.CUSTOMERS)
    query = models.TextField(
        _("filters"), blank=True, help_text=_("The filters of the customer or contact list, as in its address.")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    contacts = models.ManyToManyField(
        "customers.Contact", through="SegmentMember", related_name="segments", blank=True, verbose_name=_("contacts")
    )

    audit_exclude = ("query",)  # the creation row names the segment; the filters are on its page

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        indexes = [ListOrderIndex(fields=["name", "id"], name="mkt_segment_name_sort_idx")]

    def __str__(self) -> str:
        return self.name


class SegmentMember(models.Model):
    """A contact on a static list (who added them and when)."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="members")
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(_("added at"), default=timezone.now)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["segment", "contact"], name="mkt_member_once")]

    def __str__(self) -> str:
        return f"{self.segment_id}:{self.contact_id}"


class Consent(TimeStampedModel):
    """A contact's answer for one channel: the latest wins, earlier ones are in the audit trail."""

    class Status(models.TextChoices):
        OPTED_IN = "in", _("Opted in")
        OPTED_OUT = "out", _("Opted out")

    class Source(models.TextChoices):
        FORM = "form", _("Form or sign-up")
        VERBAL = "verbal", _("Told a rep")
        WRITTEN = "written", _("In writing")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")
        IMPORT = "import", _("Import")
        OTHER = "other", _("Other")

    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("consent"), max_length=5, choices=Status.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.OTHER)
    note = models.CharField(_("note"), max_length=300, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [models.UniqueConstraint(fields=["contact", "channel"], name="mkt_consent_per_channel")]

    def __str__(self) -> str:
        return f"{self.contact.name} · {self.get_channel_display()}"


class Suppression(TimeStampedModel):
    """An address (e-mail, mobile number, WeChat id) nobody sends to on its channel, whoever's contact it is."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Complained")
        MANUAL = "manual", _("Added by hand")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=254)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices, default=Reason.MANUAL)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppression list")
        constraints = [models.UniqueConstraint(fields=["channel", "address"], name="mkt_suppressed_once")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.address}"


class Campaign(BusinessModel):
    """A planned outreach (营销活动) to one segment over one channel. Sending records every recipient as a
    Delivery before anything goes out, so a restart resumes without sending anyone twice."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("campaign status", "Draft")
        SENDING = "sending", pgettext_lazy("campaign status", "Sending")
        SENT = "sent", pgettext_lazy("campaign status", "Sent")
        CANCELLED = "cancelled", pgettext_lazy("campaign status", "Cancelled")

    class BudgetApproval(models.TextChoices):
        NONE = "", pgettext_lazy("budget approval", "Not submitted")
        PENDING = "pending", pgettext_lazy("budget approval", "Awaiting approval")
        APPROVED = "approved", pgettext_lazy("budget approval", "Approved")
        REJECTED = "rejected", pgettext_lazy("budget approval", "Rejected")

    class Language(models.TextChoices):
        ZH = "zh-hans", "中文"
        EN = "en", "English"

    name = models.CharField(_("name"), max_length=200)
    goal = models.TextField(_("goal"), blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), null=True, blank=True, on_delete=models.PROTECT, related_name="campaigns"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, default=0)
    cost = models.DecimalField(_("actual cost"), max_digits=14, decimal_places=2, default=0)
    # A budget an approval rule applies to (marketing.budget) is approved before the campaign starts; the amount
    # approved is kept, so raising the budget afterwards needs approval again and lowering it does not.
    budget_approval = models.CharField(
        _("budget approval"), max_length=10, choices=BudgetApproval.choices, blank=True, default=""
    )
    approved_budget = models.DecimalField(_("approved budget"), max_digits=14, decimal_places=2, null=True, blank=True)
    starts_on = models.DateField(_("start date"), null=True, blank=True)
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    expected_responses = models.PositiveIntegerField(_("expected responses"), default=0)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.ZH)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"), blank=True)
    custom_text = models.CharField(_("custom text"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    # the creation row names the campaign; its content is on its page
    audit_exclude = ("subject", "body", "custom_text")

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        indexes = [ListOrderIndex(fields=["name", "id"], name="mkt_campaign_name_sort_idx")]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One recipient of a campaign. The row is written (queued) when the campaign starts; a sender claims it
    (sending) before it goes out and records the provider's id after (sent). A row found in `sending` after a
    restart is never sent again: it becomes `unconfirmed`."""

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("delivery status", "Queued")
        SENDING = "sending", pgettext_lazy("delivery status", "Sending")
        SENT = "sent", pgettext_lazy("delivery status", "Sent")
        FAILED = "failed", pgettext_lazy("delivery status", "Failed")
        BOUNCED = "bounced", pgettext_lazy("delivery status", "Bounced")
        SKIPPED = "skipped", pgettext_lazy("delivery status", "Skipped (opted out)")
        UNCONFIRMED = "unconfirmed", pgettext_lazy("delivery status", "Unconfirmed (interrupted)")
        CALLED = "called", pgettext_lazy("delivery status", "Called")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="+")
    address = models.CharField(_("address"), max_length=254)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_id = models.CharField(_("provider id"), max_length=200, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("clicked"), null=True, blank=True)
    opens = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["campaign", "contact"], name="mkt_delivery_once")]
        indexes = [models.Index(fields=["campaign", "status"], name="mkt_delivery_status_idx")]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.contact_id} {self.status}"


# Membership and loyalty live in their own module (marketing/loyalty/); Django finds the models through this one.
from .loyalty.models import (  # noqa: E402, F401
    Coupon,
    CouponRedemption,
    EarningRule,
    LoyaltyProgramme,
    Member,
    PointsEntry,
    Tier,
)
from .models_care import CarePlan, CarePlanMember, CareTask, Greeting, GreetingSend  # noqa: E402,F401  (customer care's models live beside)
from .models_events import Event, Registration  # noqa: E402,F401  (events and their registrations)
