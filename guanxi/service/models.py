"""After-sales service (客户服务): what a customer holds with us (assets and policies, 客户资产/保单) and the
service requests they raise (tickets, 服务请求).

Both are read through their customer: an asset or a ticket is in a user's data scope when its customer is (owner
and collaborators, like contacts); a ticket's owner (the agent handling it) reads and works on it besides
(a read rule in providers.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.dictionaries.fields import DictionaryField
from guanxi.core.files import private_upload_path
from guanxi.core.models import BusinessModel, CustomFieldsModel, ListOrderIndex, TimeStampedModel


class Asset(BusinessModel, CustomFieldsModel):
    """One thing a customer owns or holds with us: a machine with its serial number, a vehicle with its plate
    and insurance policy, a service term. `search_text` holds the identifiers normalised (case, full/half width,
    with and without spaces and dashes) so the global search finds the customer by any of them."""

    class Kind(models.TextChoices):
        EQUIPMENT = "equipment", _("Equipment")
        VEHICLE_POLICY = "vehicle_policy", _("Vehicle insurance policy")
        POLICY = "policy", _("Insurance policy")
        SERVICE_TERM = "service_term", _("Service term")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("asset status", "In force")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="assets"
    )
    kind = DictionaryField(_("kind"), dictionary="asset_kind", max_length=30, default=Kind.EQUIPMENT)
    name = models.CharField(_("name"), max_length=200, help_text=_("What it is: a model, the insured items…"))
    product = models.ForeignKey(
        "commerce.Product", verbose_name=_("product"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assets",
    )  # fmt: skip
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    plate_number = models.CharField(_("plate number"), max_length=30, blank=True)
    policy_number = models.CharField(_("policy number"), max_length=60, blank=True)
    previous_insurer = models.CharField(_("previous insurer"), max_length=100, blank=True)
    contract = models.ForeignKey(
        "commerce.Contract", verbose_name=_("contract"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assets",
    )  # fmt: skip
    order = models.ForeignKey(
        "commerce.ExecutionOrder", verbose_name=_("order"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assets",
    )  # fmt: skip
    starts_on = models.DateField(_("start date"), null=True, blank=True)
    ends_on = models.DateField(_("end date"), null=True, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    address = models.CharField(_("address"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    search_text = models.TextField(editable=False, blank=True, default="")

    scope_module = "assets"
    scope_owner_path = "customer__owner"
    scope_collaborators_path = "customer__collaborators"
    audit_exclude = ("search_text",)

    if TYPE_CHECKING:  # added by DictionaryField

        def get_kind_display(self) -> str: ...

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        indexes = [
            ListOrderIndex(fields=["name", "id"], name="asset_name_sort_idx"),
            ListOrderIndex(fields=["ends_on", "id"], name="asset_ends_sort_idx"),
            ListOrderIndex(fields=["-created_at", "-id"], name="asset_created_sort_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="asset_name_not_blank"),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="asset_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        ident = self.plate_number or self.policy_number or self.serial_number
        return f"{self.name} · {ident}" if ident else self.name


class Ticket(BusinessModel, CustomFieldsModel):
    """A service request (服务请求): consultation, complaint, repair, claim (理赔), installation, suggestion…
    It moves new → assigned → in progress → waiting for customer → resolved → closed (services.TRANSITIONS);
    a resolved or closed ticket may be reopened within the window of the service policy."""

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("ticket status", "New")
        ASSIGNED = "assigned", _("Assigned")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING = "waiting", _("Waiting for customer")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", pgettext_lazy("ticket status", "Closed")

    # Still being worked on (the queues, the SLA clock, the agents' load and day).
    OPEN_STATUSES = (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING)

    class Priority(models.TextChoices):
        URGENT = "urgent", _("Urgent")
        HIGH = "high", _("High")
        NORMAL = "normal", _("Normal")
        LOW = "low", _("Low")

    number = models.CharField(_("ticket number"), max_length=40)
    type = DictionaryField(_("type"), dictionary="ticket_type", max_length=30, default="consultation")
    channel = DictionaryField(_("channel"), dictionary="ticket_channel", max_length=30, default="phone")
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW, db_index=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="tickets"
    )
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="tickets",
    )  # fmt: skip
    asset = models.ForeignKey(
        Asset, verbose_name=_("asset"), null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    contract = models.ForeignKey(
        "commerce.Contract", verbose_name=_("contract"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="tickets",
    )  # fmt: skip
    product = models.ForeignKey(
        "commerce.Product", verbose_name=_("product"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="tickets",
    )  # fmt: skip
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="owned_ticket_set",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    assignment_note = models.CharField(_("why this owner"), max_length=500, blank=True)
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    paused_at = models.DateTimeField(_("SLA clock paused at"), null=True, blank=True)
    sla_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_breached_at = models.DateTimeField(_("SLA breached at"), null=True, blank=True, db_index=True)
    search_text = models.TextField(editable=False, blank=True, default="")

    scope_module = "tickets"
    audit_labels = {"article": _("knowledge article")}  # a linked or unlinked article (service.knowledge)
    scope_owner_path = "customer__owner"
    scope_collaborators_path = "customer__collaborators"
    audit_exclude = ("search_text",)

    if TYPE_CHECKING:  # added by DictionaryField

        def get_type_display(self) -> str: ...
        def get_channel_display(self) -> str: ...

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            ListOrderIndex(fields=["-created_at", "-id"], name="ticket_created_sort_idx"),
            ListOrderIndex(fields=["due_at", "id"], name="ticket_due_sort_idx"),
            models.Index(fields=["owner", "status"], name="ticket_owner_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=Q(deleted_at__isnull=True), name="ticket_number_unique"
            ),
            models.CheckConstraint(condition=~Q(subject=""), name="ticket_subject_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.RESOLVED, self.Status.CLOSED)


class TicketEvent(models.Model):
    """One line of a ticket's history (its timeline): created, assigned, a status change, a reply, a note."""

    class Kind(models.TextChoices):
        CREATED = "created", pgettext_lazy("ticket event", "Created")
        ASSIGNED = "assigned", _("Assigned")
        STATUS = "status", _("Status changed")
        NOTE = "note", _("Note")
        REOPENED = "reopened", _("Reopened")
        ATTACHMENT = "attachment", _("Attachment")
        EMAIL_IN = "email_in", _("E-mail received")
        EMAIL_OUT = "email_out", _("E-mail sent")

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket history")
        indexes = [models.Index(fields=["ticket", "-at"], name="ticket_event_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    @property
    def to_status_label(self) -> str:
        return str(Ticket.Status(self.to_status).label) if self.to_status in Ticket.Status.values else self.to_status


def ticket_attachment_path(instance: TicketAttachment, filename: str) -> str:
    return private_upload_path("tickets", filename)


class TicketAttachment(TimeStampedModel):
    """A file on a ticket (a photo of the damage, an invoice…); read through the ticket's scope."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=ticket_attachment_path, max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket attachment")
        verbose_name_plural = _("ticket attachments")

    def __str__(self) -> str:
        return self.name

    @property
    def customer_id(self) -> int | None:
        return self.ticket.customer_id if self.ticket_id else None


class ServicePolicy(TimeStampedModel):
    """Service rules an administrator may change (one row; services.service_policy gives the defaults)."""

    reopen_days = models.PositiveIntegerField(
        _("reopen window (days)"), default=7, help_text=_("How long after resolving a customer may reopen a ticket.")
    )
    workday_start = models.TimeField(_("working day starts"), default=dt.time(9, 0))
    workday_end = models.TimeField(_("working day ends"), default=dt.time(18, 0))
    warn_before_hours = models.DecimalField(
        _("warn before a breach (working hours)"), max_digits=5, decimal_places=1, default=Decimal("1.0")
    )

    class Meta:
        verbose_name = _("service policy")
        verbose_name_plural = _("service policy")

    def __str__(self) -> str:
        return str(_("Service policy"))


class AssignmentRule(TimeStampedModel):
    """Who gets a new ticket (自动分派): the first active rule, by `order`, whose conditions all hold (an empty
    condition holds for every ticket) names the team — a department's members and/or listed people — and how to
    choose inside it: in turn (round robin) or whoever has the fewest open tickets. People who are inactive, away
    (an active approval delegation covering today) or at the cap of open tickets are skipped."""

    class Method(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("In turn")
        LEAST_LOADED = "least_loaded", _("Fewest open tickets")

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=10)
    is_active = models.BooleanField(_("active"), default=True)
    types = models.JSONField(_("ticket types"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    customer_levels = models.JSONField(_("customer levels"), default=list, blank=True)
    provinces = models.JSONField(_("provinces"), default=list, blank=True)
    product = models.ForeignKey(
        "commerce.Product", verbose_name=_("product"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    department = models.ForeignKey(
        "org.Department", verbose_name=_("team (department)"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("team (people)"), blank=True, related_name="+"
    )
    method = models.CharField(_("method"), max_length=20, choices=Method.choices, default=Method.ROUND_ROBIN)
    cap = models.PositiveIntegerField(_("cap of open tickets"), default=0, help_text=_("0: no cap."))
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")

    def __str__(self) -> str:
        return self.name


class SlaTarget(TimeStampedModel):
    """Service level targets (SLA) as data: within how many working hours (core.workcal, on the service policy's
    working day) a ticket of a priority — and, when set, of a customer level — gets its first response and its
    resolution. A target with a customer level wins over the one without."""

    priority = models.CharField(_("priority"), max_length=10, choices=Ticket.Priority.choices)
    customer_level = models.CharField(_("customer level"), max_length=20, blank=True)
    first_response_hours = models.DecimalField(
        _("first response within (working hours)"), max_digits=6, decimal_places=1
    )
    resolution_hours = models.DecimalField(_("resolution within (working hours)"), max_digits=6, decimal_places=1)

    class Meta:
        ordering = ["priority", "customer_level"]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.UniqueConstraint(fields=["priority", "customer_level"], name="sla_target_unique"),
            models.CheckConstraint(
                condition=Q(first_response_hours__gt=0) & Q(resolution_hours__gt=0), name="sla_target_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.priority}/{self.customer_level or '*'}"


# Models kept in their own modules (renewals, staged tasks), loaded with the app's models.
from guanxi.service.renewals.models import Renewal, RenewalSettings  # noqa: E402, F401
from guanxi.service.shipments.models import ShipmentAssets  # noqa: E402, F401
from guanxi.service.stages.models import StageRun, StageTemplate  # noqa: E402, F401

# The customer's voice (satisfaction surveys) and the knowledge base live in their own packages; imported here so
# Django registers their models with this app.
from .knowledge.models import Article, ArticleLink  # noqa: E402, F401
from .surveys.models import Survey  # noqa: E402, F401
