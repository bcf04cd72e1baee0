"""Customers, contacts, follow-up records, tasks, tags and saved list views."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import BusinessModel, TimeStampedModel

from .validators import validate_credit_code


class Tag(TimeStampedModel):
    name = models.CharField(_("name"), max_length=50, unique=True)
    color = models.CharField(_("colour"), max_length=20, default="blue")

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Customer(BusinessModel):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        INDIVIDUAL = "individual", _("Individual")

    class Level(models.TextChoices):
        KEY = "A", _("A · key")
        ORDINARY = "B", _("B · ordinary")
        POTENTIAL = "C", _("C · potential")

    class Status(models.TextChoices):
        POTENTIAL = "potential", _("Potential")
        FOLLOWING = "following", _("Following up")
        WON = "won", _("Deal made")
        LOST = "lost", _("Lost")
        DORMANT = "dormant", _("Dormant")

    class Size(models.TextChoices):
        MICRO = "micro", _("Under 20 staff")
        SMALL = "small", _("20–99 staff")
        MEDIUM = "medium", _("100–499 staff")
        LARGE = "large", _("500–999 staff")
        HUGE = "huge", _("1000+ staff")

    class Source(models.TextChoices):
        PHONE = "phone", _("Phone inbound")
        WEBSITE = "website", _("Website registration")
        CONSULTATION = "consultation", _("Online consultation")
        EXHIBITION = "exhibition", _("Exhibition")
        REFERRAL = "referral", _("Referral")
        PURCHASED = "purchased", _("Bought list")
        IMPORT = "import", _("Import")
        OTHER = "other", _("Other")

    class Review(models.TextChoices):
        ACTIVE = "active", _("Active")
        PENDING = "pending", _("Pending review")
        REJECTED = "rejected", _("Rejected")

    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.COMPANY)
    name = models.CharField(_("name"), max_length=200, help_text=_("For a company: its registered business name."))
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    industry = models.CharField(_("industry"), max_length=50, blank=True, db_index=True)
    province = models.CharField(_("province"), max_length=30, blank=True, db_index=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    size = models.CharField(_("size"), max_length=20, choices=Size.choices, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True, db_index=True)
    level = models.CharField(_("level"), max_length=2, choices=Level.choices, default=Level.POTENTIAL, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.POTENTIAL, db_index=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_customers",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    collaborators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("collaborators"), blank=True, related_name="collaborating_customers"
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="customers")
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True, db_index=True)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True, db_index=True)
    review_status = models.CharField(
        _("review"), max_length=10, choices=Review.choices, default=Review.ACTIVE, db_index=True
    )
    review_reason = models.CharField(_("review reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Lower-case name, pinyin, initials, phone digits, e-mail and credit code: what the search box matches.
    search_text = models.TextField(editable=False, blank=True, default="")

    scope_module = "customers"
    scope_owner_path = "owner"
    scope_collaborators_path = "collaborators"

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["owner", "deleted_at", "-updated_at"]),
            models.Index(fields=["department", "deleted_at"]),
            models.Index(fields=["deleted_at", "-updated_at", "-id"]),
            models.Index(fields=["credit_code"]),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(BusinessModel):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("title / role"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=30, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    is_decision_maker = models.BooleanField(_("decision maker"), default=False)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    remarks = models.TextField(_("remarks"), blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")

    scope_module = "contacts"
    scope_owner_path = "customer__owner"
    scope_collaborators_path = "customer__collaborators"

    class Meta:
        ordering = ["-is_primary", "name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.CheckConstraint(condition=~models.Q(name=""), name="contact_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class FollowUp(BusinessModel):
    """跟进记录: one interaction with a customer. Only its author may change it."""

    class Method(models.TextChoices):
        PHONE = "phone", _("Phone")
        VISIT = "visit", _("Visit")
        EMAIL = "email", _("E-mail")
        WECHAT = "wechat", _("WeChat")
        MEETING = "meeting", _("Meeting")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices, default=Method.PHONE)
    content = models.TextField(_("content"))
    result = models.CharField(_("result"), max_length=300, blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)

    scope_module = "followups"
    scope_owner_path = "customer__owner"
    scope_collaborators_path = "customer__collaborators"

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [models.Index(fields=["customer", "-occurred_at"]), models.Index(fields=["author", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.customer} · {self.get_method_display()} · {self.occurred_at:%Y-%m-%d}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{timezone.now():%Y/%m}/{filename}"


class Attachment(TimeStampedModel):
    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class Task(BusinessModel):
    """A to-do or reminder for one person, optionally about a customer."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    due_at = models.DateTimeField(_("due"), db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT, related_name="tasks"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    done = models.BooleanField(_("done"), default=False, db_index=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminded_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_overdue_at = models.DateTimeField(null=True, blank=True, editable=False)

    scope_module = "tasks"
    scope_owner_path = "assignee"
    scope_collaborators_path = None

    class Meta:
        ordering = ["done", "due_at", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [models.Index(fields=["assignee", "done", "due_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return not self.done and self.due_at < timezone.now()


class SavedView(TimeStampedModel):
    """A user's named list filter (the URL query string), optionally their default."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    list_name = models.CharField(max_length=50, default="customers")
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    is_default = models.BooleanField(_("default view"), default=False)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "list_name", "name"], name="saved_view_unique_name")]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")

    def __str__(self) -> str:
        return self.name
