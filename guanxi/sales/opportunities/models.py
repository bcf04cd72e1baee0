"""Opportunities (销售机会) in pipelines of stages, with their contacts, product lines, stage history, documents
and activities; the lists an administrator edits (pipelines, stages, lost reasons, competitors)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from guanxi.core.dictionaries.fields import DictionaryField
from guanxi.core.files import private_upload_path
from guanxi.core.models import CustomFieldsModel, ListOrderIndex, TimeStampedModel
from guanxi.org.models import OwnedRecord
from guanxi.sales.leads.models import Lead


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


class Opportunity(OwnedRecord, CustomFieldsModel):
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
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    expected_close_date = models.DateField(_("expected signing date"), null=True, blank=True, db_index=True)
    source = DictionaryField(_("source"), dictionary="opportunity_source", max_length=20, default=Source.OTHER)
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
    # What search finds the deal by (core.search: normalised, pinyin, initials): its own text (name and custom text
    # fields, written by the services) followed by its customer's search text, kept by the database
    # (opportunities.customer_text), so one index answers a search on either.
    own_search_text = models.TextField(editable=False, null=True)  # null: the column is added without a rebuild
    search_text = models.TextField(editable=False, blank=True, default="")
    name_sort = models.CharField(editable=False, max_length=255, blank=True, default="")  # core.search.name_sort_key
    close_confirmed_at = models.DateTimeField(_("closing confirmed at"), null=True, blank=True)
    close_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closing confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # Department, collaborators and created by come from OwnedRecord; the owner is required here.
    scope_module = "opportunities"
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
            # The board: each column's cards in order of time in stage (selectors.CARD_ORDER); the column totals
            # (count, amount, weighted) read from it alone.
            ListOrderIndex(
                fields=["pipeline", "status", "stage", "stage_entered_at", "id", "amount", "probability"],
                live_after=3,
                name="opportunity_board_idx",
            ),
            # A rep's own deals: the board's cards and totals, the list by name (policies.scope_parts).
            ListOrderIndex(
                fields=["owner", "pipeline", "status", "stage", "stage_entered_at", "id", "amount", "probability"],
                live_after=4,
                name="opportunity_owner_board_idx",
            ),
            ListOrderIndex(fields=["owner", "name_sort", "id"], live_after=1, name="opportunity_owner_name_idx"),
            models.Index(fields=["customer", "deleted_at"]),
            # The open deals expected to close in a period, with what the forecast sums (the targets' weighted
            # pipeline, the dashboard's "deals to close this month"): a range of this index instead of every open deal.
            ListOrderIndex(
                fields=["status", "expected_close_date", "id", "owner", "amount", "probability", "forecast_category"],
                live_after=1,
                name="opportunity_closing_idx",
            ),
            # The list's and the API's sortable columns, read in order (core.models.ListOrderIndex).
            ListOrderIndex(fields=["-created_at", "-id"], name="opportunity_created_sort_idx"),
            # A period's new deals and their amount counted from this index alone (analytics: by owner, department
            # or stage).
            ListOrderIndex(
                fields=["created_at", "owner", "department", "stage", "amount"], name="opportunity_figures_idx"
            ),
            # The usage league's violations: the open deals made before a moment, with their owner and customer,
            # read from this index alone (analytics.ranking.violations_queryset).
            ListOrderIndex(
                fields=["status", "created_at", "owner", "customer"], live_after=1, name="opportunity_due_idx"
            ),
            ListOrderIndex(fields=["name_sort", "id"], name="opportunity_name_pinyin_idx"),
            ListOrderIndex(fields=["amount", "id"], name="opportunity_amount_sort_idx"),
            ListOrderIndex(fields=["-updated_at", "-id"], name="opportunity_updated_sort_idx"),
        ]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="opportunity_amount_not_negative")]

    def __str__(self) -> str:
        return self.name


class OpportunityStageTotal(models.Model):
    """The board's column totals kept as they change: one row per change of a (pipeline, stage, owner)'s open deals
    — how many, their amount in cents and Σ amount-in-cents × probability — written by database triggers in the
    same transaction as every write to the deals (stage_totals.py), whatever path made it. Rows are only added, so
    concurrent writers never wait for each other; `stage_totals_compact` folds them into one row per key.
    Plain ids, no foreign keys: a stage or owner may go away while a key's rows still sum to zero."""

    pipeline_id = models.BigIntegerField()
    stage_id = models.BigIntegerField()
    owner_id = models.BigIntegerField()
    n = models.BigIntegerField()
    amount_cents = models.DecimalField(max_digits=30, decimal_places=0)
    weighted_cents = models.DecimalField(max_digits=32, decimal_places=0)  # Σ amount in cents × probability (%)
    kept_by_triggers = True  # a restore loads these rows as the backup has them (core.backup.portable)

    class Meta:
        db_table = "sales_opportunity_stage_total"
        indexes = [models.Index(fields=["pipeline_id", "stage_id", "owner_id"], name="opportunity_stage_total_idx")]

    def __str__(self) -> str:
        return f"{self.pipeline_id}/{self.stage_id}/{self.owner_id}: {self.n}"


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
