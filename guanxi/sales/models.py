"""Leads (商机线索) and the rules that assign them (分单); opportunities (销售机会) in pipelines of stages."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from guanxi.core.files import private_upload_path
from guanxi.core.models import BusinessModel, TimeStampedModel
from guanxi.customers.models import Customer


class Lead(BusinessModel):
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
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.OTHER)
    province = models.CharField(_("province"), max_length=30, blank=True, db_index=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    industry = models.CharField(_("industry"), max_length=50, blank=True, db_index=True)
    size = models.CharField(_("size"), max_length=20, choices=Size.choices, blank=True)
    need = models.TextField(_("need"), blank=True, max_length=5000)

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
    scope_owner_path = "owner"
    scope_collaborators_path = None

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            # The queues: status (+ no owner) newest first; "mine": owner and status.
            models.Index(fields=["status", "deleted_at", "-created_at"]),
            models.Index(fields=["owner", "status", "deleted_at"]),
            models.Index(fields=["source", "deleted_at"]),
            models.Index(fields=["deleted_at", "-created_at", "-id"]),
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


class Pipeline(TimeStampedModel):
    """A sales process (e.g. direct sales, channel sales): an ordered list of stages. Data an admin edits."""

    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default pipeline"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_pipeline")
        ]

    def __str__(self) -> str:
        return gettext(self.name)


class Stage(TimeStampedModel):
    """One step of a pipeline, with its default win probability, the fields it requires and how long an
    opportunity may stay in it before it counts as stalled."""

    class Kind(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OPEN)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), default=10, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    stall_days = models.PositiveIntegerField(
        _("stalled after (days)"), null=True, blank=True, help_text=_("Empty: never counts as stalled.")
    )
    # Opportunity field names that must be filled before an opportunity may enter this stage.
    required_fields = models.JSONField(_("required fields"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["pipeline", "sort_order", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self) -> str:
        return gettext(self.name)


class LostReason(TimeStampedModel):
    """Why deals are lost: an editable list a rep picks from when closing an opportunity as lost."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")

    def __str__(self) -> str:
        return gettext(self.name)


class Competitor(TimeStampedModel):
    """A competitor met in deals (竞争对手), to learn from: strengths, weaknesses, wins and losses against it."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    website = models.URLField(_("website"), blank=True)
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")

    def __str__(self) -> str:
        return self.name


class Opportunity(BusinessModel):
    """A sales opportunity (销售机会) moving through a pipeline's stages; every stage change is kept."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        # Deal outcomes read 赢单/输单 in Chinese, unlike a lost lead or customer (丢单).
        WON = "won", _("Closed won")
        LOST = "lost", _("Closed lost")

    class ForecastCategory(models.TextChoices):
        PIPELINE = "pipeline", _("Pipeline")
        BEST_CASE = "best_case", _("Best case")
        COMMIT = "commit", _("Commit")
        CLOSED = "closed", pgettext_lazy("forecast category", "Closed")  # not an account's 已停用
        OMITTED = "omitted", _("Omitted")

    class Source(models.TextChoices):
        LEAD = "lead", _("Lead")
        CAMPAIGN = "campaign", _("Campaign")
        CUSTOMER = "customer", _("Existing customer")
        PARTNER = "partner", _("Partner")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="opportunities"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="opportunities"
    )
    collaborators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collaborators"),
        blank=True,
        related_name="collaborating_opportunities",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    expected_close_date = models.DateField(_("expected signing date"), null=True, blank=True, db_index=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.OTHER)
    source_lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities"
    )
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="opportunities"
    )
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities")
    stage_entered_at = models.DateTimeField(_("in this stage since"), default=timezone.now, db_index=True)
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), default=10, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    forecast_category = models.CharField(
        _("forecast category"), max_length=20, choices=ForecastCategory.choices, default=ForecastCategory.PIPELINE
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    competitors = models.ManyToManyField(Competitor, verbose_name=_("competitors"), blank=True, related_name="+")
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    # Closing (赢单/输单): the rep closes, a manager confirms the closing is complete.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, db_index=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lost_reason = models.ForeignKey(
        LostReason, verbose_name=_("lost reason"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lost_to = models.ForeignKey(
        Competitor, verbose_name=_("lost to"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    close_note = models.CharField(_("closing note"), max_length=500, blank=True)
    close_confirmed_at = models.DateTimeField(_("closing confirmed at"), null=True, blank=True)
    close_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closing confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_module = "opportunities"
    scope_owner_path = "owner"
    scope_collaborators_path = "collaborators"
    # Audit changes that are not fields of the deal, named in the reader's language on the timeline; a follow-up
    # or task logged on the deal is recorded by id and shown by name only to readers who may see it.
    audit_labels = {"document": _("document"), "task": _("task"), "follow_up": _("follow-up")}
    audit_related = {"follow_up": "customers.followup", "task": "customers.task"}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["owner", "status", "deleted_at"]),
            # The board: each column's first cards in order of time in stage.
            models.Index(
                fields=["pipeline", "stage", "status", "deleted_at", "stage_entered_at"], name="opportunity_board_idx"
            ),
            models.Index(fields=["customer", "deleted_at"]),
        ]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="opportunity_amount_not_negative")]

    def __str__(self) -> str:
        return self.name


class OpportunityContact(models.Model):
    """A contact's role in a deal: decision maker, influencer, user."""

    class Role(models.TextChoices):
        DECISION_MAKER = "decision_maker", _("Decision maker")
        INFLUENCER = "influencer", _("Influencer")
        USER = "user", _("User")
        OTHER = "other", _("Other")

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="contact_roles")
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="opportunity_roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OTHER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "contact"], name="opportunity_contact_unique"),
        ]
        verbose_name = _("contact role")
        verbose_name_plural = _("contact roles")

    def __str__(self) -> str:
        return f"{self.contact_id}:{self.role}"


class OpportunityLine(models.Model):
    """A product of interest (free text until the product catalogue exists)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(_("product"), max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, default=1)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2, default=0)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")

    def __str__(self) -> str:
        return self.description


class StageChange(models.Model):
    """One move of an opportunity between stages (from, to, when, who): time in stage, conversion and the funnel
    are computed from these rows. Creating an opportunity writes one with from_stage empty."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Seconds spent in from_stage (empty for the first entry).
    seconds_in_from_stage = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["to_stage", "at"]), models.Index(fields=["from_stage", "at"])]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage history")

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage_id} → {self.to_stage_id}"


def opportunity_document_path(instance: OpportunityDocument, filename: str) -> str:
    return private_upload_path("opportunities", filename)


class OpportunityDocument(TimeStampedModel):
    """A document given to the customer at a stage (proposal, quote, presentation…)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="documents")
    stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(_("file"), upload_to=opportunity_document_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.name


class OpportunityActivity(models.Model):
    """Ties a customer follow-up record or task to an opportunity (the customers app stays unaware of sales)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="activities")
    follow_up = models.OneToOneField(
        "customers.FollowUp", null=True, blank=True, on_delete=models.CASCADE, related_name="opportunity_link"
    )
    task = models.OneToOneField(
        "customers.Task", null=True, blank=True, on_delete=models.CASCADE, related_name="opportunity_link"
    )

    class Meta:
        verbose_name = _("opportunity activity")
        verbose_name_plural = _("opportunity activities")
        constraints = [
            models.CheckConstraint(
                condition=Q(follow_up__isnull=False) | Q(task__isnull=False), name="opportunity_activity_has_target"
            )
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.follow_up_id or self.task_id}"


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class SalesTarget(TimeStampedModel):
    """A sales target (业绩目标) of one person or one department for a month, quarter or year.

    A department target may be split among its members: their targets point to it through `parent`
    and must add up to it (targets.target_split checks that).
    """

    class Metric(models.TextChoices):
        SIGNED_AMOUNT = "signed_amount", _("Signed amount")
        NEW_CUSTOMERS = "new_customers", _("New customers")
        NEW_OPPORTUNITIES = "new_opportunities", _("New opportunities")
        # Reads 0 until payments (回款) exist.
        COLLECTED_AMOUNT = "collected_amount", _("Collected amount")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sales_targets",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sales_targets",
    )
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH)
    period_start = models.DateField(_("period start"))
    metric = models.CharField(_("metric"), max_length=30, choices=Metric.choices, default=Metric.SIGNED_AMOUNT)
    value = models.DecimalField(_("target"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    parent = models.ForeignKey(
        "self",
        verbose_name=_("split from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Person targets are read within the viewer's opportunities scope (department targets: see targets.py).
    scope_module = "opportunities"
    scope_owner_path = "owner"
    scope_collaborators_path = None

    class Meta:
        ordering = ["period_start", "department", "owner", "metric"]
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False, department__isnull=True)
                | Q(owner__isnull=True, department__isnull=False),
                name="sales_target_owner_xor_department",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="sales_target_value_not_negative"),
            models.UniqueConstraint(
                fields=["owner", "period_kind", "period_start", "metric"],
                condition=Q(owner__isnull=False),
                name="sales_target_unique_owner",
            ),
            models.UniqueConstraint(
                fields=["department", "period_kind", "period_start", "metric"],
                condition=Q(department__isnull=False),
                name="sales_target_unique_department",
            ),
        ]

    def __str__(self) -> str:
        who = self.owner or self.department
        return f"{who} · {self.get_metric_display()} · {self.period_start:%Y-%m-%d}"


class ForecastSnapshot(models.Model):
    """The forecast as it stood when taken (monthly): open opportunities expected to close in the period."""

    taken_at = models.DateTimeField(_("taken at"), default=timezone.now, db_index=True)
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH)
    period_start = models.DateField(_("period start"))
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    department = models.ForeignKey("org.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    weighted = models.DecimalField(_("weighted"), max_digits=16, decimal_places=2, default=0)
    commit = models.DecimalField(_("commit"), max_digits=16, decimal_places=2, default=0)
    best_case = models.DecimalField(_("best case"), max_digits=16, decimal_places=2, default=0)
    pipeline_amount = models.DecimalField(_("pipeline amount"), max_digits=16, decimal_places=2, default=0)
    count = models.PositiveIntegerField(_("opportunities"), default=0)

    class Meta:
        ordering = ["-taken_at", "-id"]
        indexes = [models.Index(fields=["period_kind", "period_start"])]
        verbose_name = _("forecast snapshot")
        verbose_name_plural = _("forecast snapshots")

    def __str__(self) -> str:
        return f"{self.period_start:%Y-%m} @ {self.taken_at:%Y-%m-%d}"
