"""Leads (商机线索) and the rules that assign them (分单)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.dictionaries.fields import DictionaryField
from guanxi.core.models import BusinessModel, CustomFieldsModel, ListOrderIndex, TimeStampedModel
from guanxi.customers.models import Customer


class Lead(BusinessModel, CustomFieldsModel):
    """A possible customer that has not been qualified yet.

    Life cycle: new → valid / invalid (screened) → assigned → following → converted / lost.
    A lead without an owner sits in the screening or business-manager queue (see selectors.lead_scope).
    """

    class Status(models.TextChoices):
        NEW = "new", _("New")
        VALID = "valid", _("Valid")
        INVALID = "invalid", _("Invalid")
        ASSIGNED = "assigned", _("Assigned")
        FOLLOWING = "following", _("Following up")
        CONVERTED = "converted", _("Converted")
        LOST = "lost", _("Lost")

    # Same codes as customers, so a converted lead carries its source over unchanged.
    Source = Customer.Source
    Size = Customer.Size

    company_name = models.CharField(_("company"), max_length=200, blank=True)
    person_name = models.CharField(_("contact person"), max_length=100, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=30, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True)
    source = DictionaryField(_("source"), dictionary="customer_source", max_length=20, default=Source.OTHER)
    province = models.CharField(_("province"), max_length=30, blank=True, db_index=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    industry = DictionaryField(_("industry"), dictionary="industry", max_length=50, blank=True, db_index=True)
    size = DictionaryField(_("size"), dictionary="company_size", max_length=20, blank=True)
    need = models.TextField(_("need"), blank=True, max_length=5000)
    # Where a web enquiry came from: the reference on the form's address (?ref=…), e.g. a marketing campaign's
    # signed reference, which the campaign counts its leads by. Opaque to sales.
    referral = models.CharField(_("source reference"), max_length=100, blank=True, default="")

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_leads",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("screened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    screened_at = models.DateTimeField(_("screened at"), null=True, blank=True)
    invalid_reason = models.CharField(_("reason it is invalid"), max_length=300, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    # The rule that assigned the lead (empty for a manual assignment).
    assigned_rule = models.ForeignKey(
        "sales.LeadAssignmentRule",
        verbose_name=_("assignment rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lost_reason = models.CharField(_("reason it was lost"), max_length=300, blank=True)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("converted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    converted_customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_leads",
    )
    converted_contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    converted_opportunity = models.ForeignKey(
        "sales.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Names with pinyin and initials, phone digits, e-mail and WeChat: what the search box matches.
    search_text = models.TextField(editable=False, blank=True, default="")

    scope_module = "leads"

    if TYPE_CHECKING:  # added by DictionaryField (labels of the entries)

        def get_source_display(self) -> str: ...
        def get_size_display(self) -> str: ...
        def get_industry_display(self) -> str: ...

    scope_owner_path = "owner"
    scope_collaborators_path = None

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["referral"], name="lead_referral_idx", condition=~models.Q(referral="")),
            # The queues: status (+ no owner) newest first; "mine": owner and status.
            models.Index(fields=["status", "deleted_at", "-created_at"]),
            models.Index(fields=["owner", "status", "deleted_at"]),
            models.Index(fields=["source", "deleted_at"]),
            # The list's sortable columns, read in order (core.models.ListOrderIndex).
            ListOrderIndex(fields=["-created_at", "-id"], name="lead_created_sort_idx"),
            ListOrderIndex(fields=["company_name", "person_name", "id"], name="lead_company_sort_idx"),
            ListOrderIndex(fields=["assigned_at", "id"], name="lead_assigned_sort_idx"),
            ListOrderIndex(fields=["-updated_at", "-id"], name="lead_updated_sort_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(company_name="", person_name=""), name="lead_has_company_or_person_name"
            ),
            models.CheckConstraint(condition=~Q(status="lost", lost_reason=""), name="lead_lost_needs_reason"),
            models.CheckConstraint(
                condition=~Q(status__in=["assigned", "following"], owner__isnull=True),
                name="lead_assigned_has_owner",
            ),
        ]

    def __str__(self) -> str:
        if self.company_name and self.person_name:
            return f"{self.company_name} · {self.person_name}"
        return self.company_name or self.person_name

    @property
    def is_open(self) -> bool:
        """Still being worked on (counts against a rep's cap of open leads)."""
        return self.status in OPEN_STATUSES

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


# A rep's load: leads they own that are still being worked.
OPEN_STATUSES = (Lead.Status.ASSIGNED, Lead.Status.FOLLOWING)
# Finished: nothing more is done with these (no assignment, screening or conversion).
CLOSED_STATUSES = (Lead.Status.CONVERTED, Lead.Status.LOST)
# Waiting for someone to take them: the assignment rules only touch these.
UNASSIGNED_STATUSES = (Lead.Status.NEW, Lead.Status.VALID)


class LeadAssignmentRule(TimeStampedModel):
    """One 分单 rule an administrator edits: which leads (empty criteria = any) go to whom, and how.

    Rules are tried in `priority` order (then id); the first matching rule with a rep below the cap wins.
    """

    class Distribution(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("Round robin")
        LEAST_LOADED = "least_loaded", _("Least loaded")

    name = models.CharField(_("name"), max_length=100)
    priority = models.PositiveIntegerField(_("order"), default=100, help_text=_("Lower numbers are tried first."))
    is_active = models.BooleanField(_("active"), default=True)
    provinces = models.JSONField(_("provinces"), default=list, blank=True)
    industries = models.JSONField(_("industries"), default=list, blank=True)
    sizes = models.JSONField(_("sizes"), default=list, blank=True)
    sources = models.JSONField(_("sources"), default=list, blank=True)
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assign to user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("assign to team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Its active members who may view leads share the leads."),
    )
    distribution = models.CharField(
        _("distribution"), max_length=20, choices=Distribution.choices, default=Distribution.ROUND_ROBIN
    )
    max_open_leads = models.PositiveIntegerField(
        _("cap of open leads per rep"),
        null=True,
        blank=True,
        help_text=_("Reps who already own this many assigned or followed-up leads are skipped. Empty: no cap."),
    )
    # Round-robin state: the member who got the previous lead; the next one goes to the member after them.
    last_assigned_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("lead assignment rule")
        verbose_name_plural = _("lead assignment rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(target_user__isnull=False, target_department__isnull=True)
                | Q(target_user__isnull=True, target_department__isnull=False),
                name="lead_rule_one_target",
            ),
        ]

    def __str__(self) -> str:
        return self.name
