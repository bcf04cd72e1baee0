"""Customers, contacts, follow-up records, tasks, tags and saved list views."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.dictionaries.fields import DictionaryField
from guanxi.core.files import private_upload_path
from guanxi.core.models import BusinessModel, CustomFieldsModel, ListOrderIndex, TimeStampedModel
from guanxi.org.models import OwnedRecord

from ..validators import validate_credit_code


class Tag(TimeStampedModel):
    name = models.CharField(_("name"), max_length=50, unique=True)
    color = models.CharField(_("colour"), max_length=20, default="blue")

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


# The customer fields a user edits directly (owner, review and pool fields change through their own actions).
CUSTOMER_EDITABLE_FIELDS = (
    "kind",
    "name",
    "credit_code",
    "industry",
    "province",
    "city",
    "size",
    "source",
    "level",
    "status",
    "phone",
    "email",
    "website",
    "address",
    "remarks",
    "next_follow_up_on",
)


class Customer(OwnedRecord, CustomFieldsModel):
    custom_text_searched = True  # search_text holds its custom text fields (search_text.py; org lists/custom.py)
    # Changes that are not fields of the customer: the lead it was converted from (sales records it).
    audit_labels = {"lead": _("lead")}
    audit_related = {"lead": "sales.lead"}

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        INDIVIDUAL = "individual", _("Individual")

    # The seeded codes of the dictionaries below (customers/dictionaries.py): an administrator edits the lists.
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
    industry = DictionaryField(_("industry"), dictionary="industry", max_length=50, blank=True, db_index=True)
    province = models.CharField(_("province"), max_length=30, blank=True, db_index=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    size = DictionaryField(_("size"), dictionary="company_size", max_length=20, blank=True)
    source = DictionaryField(_("source"), dictionary="customer_source", max_length=20, blank=True, db_index=True)
    level = DictionaryField(
        _("level"), dictionary="customer_level", max_length=2, default=Level.POTENTIAL, db_index=True
    )
    status = DictionaryField(
        _("status"), dictionary="customer_status", max_length=20, default=Status.POTENTIAL, db_index=True
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
    # Lower-case name, pinyin, initials, phone digits, e-mail and credit code: what the search box matches.
    search_text = models.TextField(editable=False, blank=True, default="")
    name_sort = models.CharField(editable=False, max_length=255, blank=True, default="")  # core.search.name_sort_key
    # Public pool (公海): a customer without owner whose pool_entered_at is set lies in the pool.
    pool_entered_at = models.DateTimeField(_("in pool since"), null=True, blank=True, db_index=True)
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("previous owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pool_reason = models.CharField(_("reason for the pool"), max_length=300, blank=True)
    # 0: no warning yet, 1: first "no contact" warning sent, 2: second warning sent (reset by a follow-up).
    pool_warning = models.PositiveSmallIntegerField(_("pool warning"), default=0)

    scope_module = "customers"

    if TYPE_CHECKING:  # added by DictionaryField (labels of the entries)

        def get_level_display(self) -> str: ...
        def get_status_display(self) -> str: ...
        def get_source_display(self) -> str: ...
        def get_size_display(self) -> str: ...
        def get_industry_display(self) -> str: ...

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["owner", "deleted_at", "-updated_at"]),
            models.Index(fields=["department", "deleted_at"]),
            # The list's sortable columns, read in order (org.lists: the tie-breaker id follows the direction, so
            # one index serves both).
            ListOrderIndex(fields=["name_sort", "id"], name="customer_name_pinyin_idx"),
            ListOrderIndex(fields=["-updated_at", "-id"], name="customer_updated_sort_idx"),
            # A rep's own customers in the list's order, a page read and no more (policies.scope_parts).
            ListOrderIndex(fields=["owner", "name_sort", "id"], live_after=1, name="customer_owner_name_idx"),
            # with the level, a rep's count of their A (B, C…) customers reads the index alone: beside the level's
            # own index, PostgreSQL combined both (150,000 entries for A at a million customers, 16 of the list's 20 ms)
            ListOrderIndex(
                fields=["owner", "-updated_at", "-id"],
                include=["level"],
                live_after=1,
                name="customer_owner_updated_idx",
            ),
            models.Index(fields=["credit_code"]),
            # A period's new customers counted from this index alone (analytics: by owner, department or level).
            ListOrderIndex(fields=["created_at", "owner", "department", "level"], name="customer_figures_idx"),
            # A data scope's customers of an owner (the recycle bin's too: policies.scope_q reads the base manager)
            # as ids from this index alone: a rep's follow-ups and contacts are narrowed by these ids (9,000 ids at
            # 1M customers: 13 ms instead of 240 ms reading 8,500 table pages).
            models.Index(fields=["owner", "id"], name="customer_owner_ids_idx"),
            # A rep's new customers of a period (his data scope: by owner), only that period's rows read from the
            # table (his 9,191 customers spread over 8,548 pages at 1M: a month of them, 700-3,200 pages).
            ListOrderIndex(
                fields=["owner", "created_at"],
                include=["department", "level"],
                live_after=1,
                name="customer_owner_figures_idx",
            ),
            # The public-pool job (customers/pool/services.py) compares this expression on owned customers;
            # partial, so the hourly run reads only the few crossing a limit (docs/pool.md).
            models.Index(
                Coalesce("last_contact_at", "created_at"),
                name="customer_pool_idle",
                condition=models.Q(owner__isnull=False, pool_entered_at__isnull=True, deleted_at__isnull=True),
            ),
            models.Index(
                "pool_warning",
                Coalesce("last_contact_at", "created_at"),
                name="customer_pool_warn",
                condition=models.Q(owner__isnull=False, pool_entered_at__isnull=True, deleted_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(BusinessModel, CustomFieldsModel):
    custom_text_searched = True  # search_text holds its custom text fields (search_text.py; org lists/custom.py)
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
    name_sort = models.CharField(editable=False, max_length=255, blank=True, default="")  # core.search.name_sort_key
    # The customer's owner, kept by the database (contact_owner.py): the data scope narrows on it, and a rep's
    # contacts come in the list's order from an index led by it. Never written by Guanxi's code.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # contact_owner_name_idx leads with it
        related_name="+",
    )

    scope_module = "contacts"
    scope_owner_path = "owner"
    scope_collaborators_path = "customer__collaborators"

    class Meta:
        ordering = ["-is_primary", "name_sort", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [  # the list's sortable columns
            ListOrderIndex(fields=["name_sort", "id"], name="contact_name_pinyin_idx"),
            ListOrderIndex(fields=["-updated_at", "-id"], name="contact_updated_sort_idx"),
            # A rep's own contacts in the list's order (policies.split_condition), as customer_owner_name_idx.
            ListOrderIndex(fields=["owner", "name_sort", "id"], live_after=1, name="contact_owner_name_idx"),
            ListOrderIndex(fields=["owner", "-updated_at", "-id"], live_after=1, name="contact_owner_updated_idx"),
        ]
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
    method = DictionaryField(_("method"), dictionary="follow_up_method", max_length=20, default=Method.PHONE)
    content = models.TextField(_("content"))
    result = models.CharField(_("result"), max_length=300, blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)

    scope_module = "followups"

    if TYPE_CHECKING:  # added by DictionaryField

        def get_method_display(self) -> str: ...

    scope_owner_path = "customer__owner"
    scope_collaborators_path = "customer__collaborators"

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(fields=["customer", "-occurred_at"]),
            models.Index(fields=["author", "-occurred_at"]),
            # A period's follow-ups counted from this index alone (analytics: by author, department or method, and
            # the customers contacted), and the customers followed up since a moment (the usage league's
            # violations), however many follow-ups there are.
            ListOrderIndex(fields=["occurred_at", "author", "method", "customer"], name="followup_figures_idx"),
            # The same figures for a reader narrowed to some customers (a rep's scope: his customers' ids), a period
            # of each customer's follow-ups read from this index alone instead of the table.
            ListOrderIndex(
                fields=["customer", "occurred_at", "author", "method"],
                live_after=1,
                name="followup_customer_figures_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.get_method_display()} · {self.occurred_at:%Y-%m-%d}"


class FollowUpDayCount(models.Model):
    """The live follow-ups of a local day, author and method, kept as they change: one row per change, written by
    database triggers in the same transaction as every write to the follow-ups (followup_counts.py), whatever path
    made it; `followup_counts_compact` folds them into one row per key. Plain ids, no foreign key: an author may
    go away while a key's rows still sum to zero."""

    day = models.DateField()
    author_id = models.BigIntegerField()
    method = models.CharField(max_length=20)
    n = models.BigIntegerField()
    kept_by_triggers = True  # a restore loads these rows as the backup has them (core.backup.portable)

    class Meta:
        db_table = "customers_followup_day_count"
        # a period's rows read from the index alone
        indexes = [models.Index(fields=["day", "author_id", "method", "n"], name="followup_day_count_idx")]

    def __str__(self) -> str:
        return f"{self.day}/{self.author_id}/{self.method}: {self.n}"


class CustomerLevelCount(models.Model):
    """The owned live customers of an owner, department and level, kept as they change by database triggers in the
    same transaction as every write to the customers (level_counts.py); `customer_level_counts_compact` folds the
    change rows into one per key. No department is 0 (a key with NULL would never fold). Plain ids, no foreign key."""

    owner_id = models.BigIntegerField()
    department_id = models.BigIntegerField()
    level = models.CharField(max_length=2)
    n = models.BigIntegerField()
    kept_by_triggers = True  # a restore loads these rows as the backup has them (core.backup.portable)

    class Meta:
        db_table = "customers_level_count"

    def __str__(self) -> str:
        return f"{self.owner_id}/{self.department_id}/{self.level}: {self.n}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return private_upload_path("attachments", filename)


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


class PoolRule(TimeStampedModel):
    """When neglected customers fall back into the public pool (公海), per department or company-wide.

    Defaults from the requirement documents: a first warning after 30 days without a follow-up, a second after 60,
    and return to the pool after 60 (may differ from the second warning).
    """

    name = models.CharField(_("name"), max_length=100)
    department = models.OneToOneField(
        "org.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="pool_rule",
        help_text=_("Empty: the company-wide rule."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    first_warning_days = models.PositiveIntegerField(_("first warning after (days)"), default=30)
    second_warning_days = models.PositiveIntegerField(_("second warning after (days)"), default=60)
    reclaim_days = models.PositiveIntegerField(_("return to pool after (days)"), default=60)
    levels = models.JSONField(_("levels covered"), default=list, blank=True, help_text=_("Empty: all levels."))
    statuses = models.JSONField(
        _("statuses covered"), default=list, blank=True, help_text=_("Empty: all statuses except deal made.")
    )
    reclaim_with_open_opportunity = models.BooleanField(
        _("also reclaim customers with an open opportunity"), default=False
    )
    reclaim_with_active_contract = models.BooleanField(
        _("also reclaim customers with an active contract"), default=False
    )
    daily_claim_cap = models.PositiveIntegerField(_("claims per rep per day"), default=10)
    reclaim_cooldown_days = models.PositiveIntegerField(_("days before the previous owner may claim again"), default=30)

    class Meta:
        ordering = ["department__path", "name"]
        verbose_name = _("pool rule")
        verbose_name_plural = _("pool rules")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(department__isnull=True), name="pool_rule_one_company_wide"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PoolEvent(models.Model):
    """A customer entering or leaving the pool: the input of claim caps and cool-downs, and the pool's history."""

    class Action(models.TextChoices):
        RECLAIMED = "reclaimed", _("Returned automatically")
        RETURNED = "returned", _("Returned by the owner")
        RELEASED = "released", _("Put in the pool by a manager")
        CLAIMED = "claimed", _("Claimed")
        ASSIGNED = "assigned", _("Assigned from the pool")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="pool_events")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who claimed or received it, or who gave it up."),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "action", "-at"]), models.Index(fields=["customer", "-at"])]
        verbose_name = _("pool event")
        verbose_name_plural = _("pool events")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.action} {self.at:%Y-%m-%d}"


# Duplicate detection's tables (查重) live in .dedupe, under the same names.
from .dedupe import CustomerKey, CustomerMerge, DedupeRule, RegistrationConflict  # noqa: E402

__all__ = ["CustomerKey", "CustomerMerge", "DedupeRule", "RegistrationConflict"]
