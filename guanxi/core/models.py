"""Base models and the cross-cutting tables every app uses: audit trail, notifications,
idempotency records and the once-per-period job ledger."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .i18n import render_message


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class ListOrderIndex(models.Index):
    """An index giving a list's live rows (not in the recycle bin) in the order of `fields`, on both databases.

    PostgreSQL reads rows in an index's order only after equality conditions, and "deleted_at IS NULL" is not one:
    there the index is partial on the live rows. SQLite treats IS NULL as an equality and prefers any index that
    starts with deleted_at: there it leads with it, after the first `live_after` fields (those a query compares
    with "=", such as a board's pipeline and stage). The tie-breaker id ends `fields`, in the column's direction.
    `include` names columns a filter or count reads from the index alone (INCLUDE on PostgreSQL, the last keys on
    SQLite, which has no INCLUDE)."""

    def __init__(self, *args: Any, live_after: int = 0, **kwargs: Any) -> None:
        self.live_after = live_after
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        path, args, kwargs = super().deconstruct()
        if self.live_after:
            kwargs["live_after"] = self.live_after
        return path, args, kwargs

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor == "postgresql":
            index = models.Index(
                fields=self.fields, name=self.name, condition=models.Q(deleted_at__isnull=True), include=self.include
            )
        else:
            fields = list(self.fields)
            fields.insert(self.live_after, "deleted_at")
            index = models.Index(fields=[*fields, *self.include], name=self.name)
        return index.create_sql(model, schema_editor, using=using, **kwargs)


class AliveManager(models.Manager):
    """Hides soft-deleted rows; `all_objects` sees them (recycle bin)."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class BusinessModel(TimeStampedModel):
    """A business record: timestamps, optimistic-concurrency version, soft delete.

    `scope_owner_path` names the user field the data-scope mechanism narrows on
    (e.g. "owner" or "customer__owner"); `scope_collaborators_path` the collaborators, if any.
    """

    version = models.PositiveIntegerField(_("version"), default=1)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, db_index=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_module: str = ""
    scope_owner_path: str = "owner"
    scope_collaborators_path: str | None = None
    # Fields never written to the audit trail's old → new values (secrets, derived search text).
    audit_exclude: tuple[str, ...] = ("updated_at", "version", "search_text")

    objects = AliveManager()
    all_objects = models.Manager()  # noqa: DJ012

    class Meta:
        abstract = True
        base_manager_name = "all_objects"


class AuditLog(models.Model):
    """Append-only record of who did what to which object, written in the same transaction."""

    class Action(models.TextChoices):
        CREATE = "create", _("Create")
        UPDATE = "update", _("Update")
        DELETE = "delete", _("Delete")
        RESTORE = "restore", _("Restore")
        EXPORT = "export", _("Export")
        LOGIN = "login", _("Login")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGOUT = "logout", _("Logout")
        PERMISSION = "permission", _("Permission change")
        TRANSFER = "transfer", _("Transfer")
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")
        OTHER = "other", _("Other")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    # The message as msgid + parameters, rendered in the reader's language (core.i18n); `message` keeps the text
    # as written, for search and for rows written before message ids existed.
    # Database defaults too: a few bulk paths insert audit rows with raw SQL that names only the older columns.
    message_id = models.CharField(max_length=500, blank=True, default="", db_default="")
    message_params = models.JSONField(default=dict, db_default=Value({}, output_field=models.JSONField()), blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    # The customer a change belongs to, so the 360 timeline reads one index.
    customer_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk:
            raise ValueError("Audit entries are append-only")
        super().save(*args, **kwargs)

    @property
    def message_text(self) -> str:
        """The message in the reader's language."""
        return render_message(self.message_id, self.message_params, fallback=self.message)


class AccessLog(models.Model):
    """Who read what (REQUIREMENTS §11 审计追踪): a customer's 360 page opened, an export, a file downloaded.

    Append-only like the audit trail; written in one batch per request (guanxi.core.accesslog) and purged after the
    retention period. `detail` holds the facts of the read (file kind and name, the export's audit entry)."""

    class Kind(models.TextChoices):
        VIEW = "view", _("Opened a record")
        EXPORT = "export", _("Exported")
        DOWNLOAD = "download", _("Downloaded a file")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request ID"), max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["actor", "-at"]),
            models.Index(fields=["kind", "-at"]),
            models.Index(fields=["content_type", "object_id", "-at"]),
        ]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk:
            raise ValueError("Access log entries are append-only")
        super().save(*args, **kwargs)


class Notification(TimeStampedModel):
    """Something Guanxi tells one user: shown under the bell and, if enabled, e-mailed."""

    class Level(models.TextChoices):
        INFO = "info", _("Information")
        WARNING = "warning", _("Warning")
        DANGER = "danger", _("Urgent")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=60)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.INFO)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    # Title and body as msgid + parameters, rendered in the reader's language (core.i18n); `title` and `body`
    # keep the text as written (search, e-mail fallback, rows written before message ids existed).
    title_id = models.CharField(max_length=500, blank=True, default="", db_default="")
    title_params = models.JSONField(default=dict, db_default=Value({}, output_field=models.JSONField()), blank=True)
    body_id = models.CharField(max_length=500, blank=True, default="", db_default="")
    body_params = models.JSONField(default=dict, db_default=Value({}, output_field=models.JSONField()), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # Makes "tell user X about Y" idempotent: the same key is sent once.
    dedupe_key = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_unique_dedupe_key",
            )
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.title_text

    @property
    def title_text(self) -> str:
        """The title in the reader's language."""
        return render_message(self.title_id, self.title_params, fallback=self.title)

    @property
    def body_text(self) -> str:
        """The body in the reader's language."""
        return render_message(self.body_id, self.body_params, fallback=self.body)


class NotificationSettings(TimeStampedModel):
    """One user's choices about notifications: the topics they muted (registry.notification_topics; a muted
    topic's notifications are not created for them) and whether e-mail comes as one daily digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="notification_settings"
    )
    daily_digest = models.BooleanField(_("daily digest"), default=False)
    muted = models.JSONField(_("muted topics"), default=list, blank=True)
    # The scheduler period (core.scheduler.period_key, one a day) of the last digest, so it goes once a period.
    digest_period = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return f"notification settings of {self.user_id}"


class IdempotencyRecord(models.Model):
    """The stored answer to a create request sent with an Idempotency-Key header."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class PeriodicRun(models.Model):
    """One row per (job, period): the unique constraint makes a periodic job run once per period
    however many workers race for it."""

    job = models.CharField(max_length=100)
    period = models.CharField(max_length=40)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("periodic job run")
        verbose_name_plural = _("periodic job runs")
        constraints = [models.UniqueConstraint(fields=["job", "period"], name="periodic_run_unique_job_period")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.period}"


class WorkerHeartbeat(models.Model):
    """One row per `guanxi worker` process: its lease on the jobs it runs.

    The worker renews `seen_at` every GUANXI_WORKER_CHECK_SECONDS. A worker not seen for
    GUANXI_WORKER_LEASE_SECONDS (killed, machine lost) has lost its lease, and any worker finds the jobs it
    was running (guanxi/core/workers.py). A worker that stops cleanly sets `stopped_at`.
    """

    worker_id = models.CharField(_("worker"), max_length=64, unique=True)
    host = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process id"), default=0)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    seen_at = models.DateTimeField(_("last seen at"), default=timezone.now, db_index=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.host}:{self.pid} ({self.worker_id})"


def import_file_path(instance: ImportJob, filename: str) -> str:
    from .files import private_upload_path

    return private_upload_path("imports", filename)


class ImportJob(TimeStampedModel):
    """A spreadsheet import (customers, contacts, leads…): dry run, then a background run with progress."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked (dry run)")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")
        SKIP_BAD_ROWS = "skip_bad_rows", _("Skip bad rows")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(_("what"), max_length=30)  # a registered importer: "customers", "contacts", "leads"
    file = models.FileField(_("file"), upload_to=import_file_path, max_length=300)
    file_name = models.CharField(_("file name"), max_length=200)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    idempotency_key = models.CharField(max_length=200, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The `guanxi worker` running the dry run or import (its WorkerHeartbeat.worker_id); empty otherwise.
    worker_id = models.CharField(_("worker"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="import_job_unique_idempotency_key",
            ),
        ]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.kind}: {self.file_name}"


class ImportMapping(TimeStampedModel):
    """The column mapping a user chose last time for an import kind (remembered per user)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)
    mapping = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("import column mapping")
        verbose_name_plural = _("import column mappings")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="import_mapping_unique_user_kind")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.kind}"


class NumberSequence(TimeStampedModel):
    """A document numbering sequence (报价单号, 合同号): a pattern and the counter per period.

    `pattern` uses {yyyy} {yy} {mm} {dd} and {seq} or {seq:05} (zero-padded). The counter restarts when the
    pattern's date part changes (a daily pattern restarts every day, a yearly one every year); allocation runs
    under a row lock so numbers never repeat and never skip (guanxi/core/numbering.py).
    """

    kind = models.CharField(_("document kind"), max_length=40, unique=True)
    label = models.CharField(_("name"), max_length=100, blank=True)
    pattern = models.CharField(_("pattern"), max_length=80)
    period_key = models.CharField(_("current period"), max_length=40, blank=True)
    last_value = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("numbering sequence")
        verbose_name_plural = _("numbering sequences")

    def __str__(self) -> str:
        return f"{self.kind}: {self.pattern}"


class Backup(models.Model):
    """One backup run (the daily job, "back up now" on the backups page, or `guanxi backup`): the archive it
    wrote, how big it is and how it went. Retention removes old archives and keeps the row, marked removed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        REMOVED = "removed", _("Removed by retention")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Daily job")
        PAGE = "page", _("Backups page")
        COMMAND = "command", _("Command line")

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(_("started by"), max_length=10, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The archive's full path on the server (GUANXI_BACKUP_DIR, or the folder given to `guanxi backup --to`).
    path = models.CharField(_("file"), max_length=500, blank=True)
    size = models.BigIntegerField(_("size"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    # {"tables": n, "rows": n, "files": n, "database": "sqlite"|"postgresql"}
    summary = models.JSONField(_("contents"), default=dict, blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("backup")
        verbose_name_plural = _("backups")

    def __str__(self) -> str:
        return self.file_name or f"backup {self.pk}"

    @property
    def file_name(self) -> str:
        return self.path.replace("\\", "/").rsplit("/", 1)[-1]

    @property
    def seconds_taken(self) -> int | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds())


# --- dictionaries (数据字典): the choice lists an administrator owns (guanxi/core/dictionaries) ---------------------
class Dictionary(TimeStampedModel):
    """One choice list (customer level, industry, region…). Each app declares and seeds its own
    (core.registry.DefaultDictionaries); an administrator edits the entries, never the list's key."""

    key = models.SlugField(_("key"), max_length=50, unique=True)
    app_label = models.CharField(_("app"), max_length=50, blank=True)
    label_zh = models.CharField(_("name (Chinese)"), max_length=100)
    label_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    # Entries may have a parent (regions: province → city → district).
    is_tree = models.BooleanField(_("tree"), default=False)
    # Moves on every change of an entry: what other processes' caches compare (guanxi/core/dictionaries/cache.py).
    revision = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["app_label", "key"]
        verbose_name = _("dictionary")
        verbose_name_plural = _("dictionaries")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        from .dictionaries.labels import pick_label

        return pick_label(self.label_zh, self.label_en)


class DictionaryEntry(TimeStampedModel):
    """One value of a dictionary. Records store its `code`, which never changes; retiring an entry
    (is_active false) keeps it on the records that hold it and takes it off new forms."""

    dictionary = models.ForeignKey(Dictionary, on_delete=models.CASCADE, related_name="entries")
    code = models.CharField(_("code"), max_length=50)
    label_zh = models.CharField(_("label (Chinese)"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    colour = models.CharField(_("colour"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Behaviour flags the owning app documents for its dictionary (e.g. customer_status "deal_made": the public
    # pool leaves such customers alone), so rules refer to the entry and not to a hard-coded code.
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    # Seeded entries the code of an app relies on: they can be renamed and recoloured, not retired.
    is_system = models.BooleanField(_("built in"), default=False)

    class Meta:
        ordering = ["dictionary", "order", "id"]
        verbose_name = _("dictionary entry")
        verbose_name_plural = _("dictionary entries")
        constraints = [
            models.UniqueConstraint(fields=["dictionary", "code"], name="dictionary_entry_code_unique"),
            models.CheckConstraint(condition=~models.Q(code=""), name="dictionary_entry_code_not_blank"),
            models.CheckConstraint(condition=~models.Q(label_zh=""), name="dictionary_entry_label_not_blank"),
        ]
        indexes = [models.Index(fields=["dictionary", "parent", "order"])]

    def __str__(self) -> str:
        return f"{self.label} ({self.code})"

    @property
    def label(self) -> str:
        from .dictionaries.labels import pick_label

        return pick_label(self.label_zh, self.label_en)


from .custom_fields.models import CustomField, CustomFieldsModel, FieldType  # noqa: E402, F401  (Django finds them here)
from .mail.models import MailboxState, MailMessage  # noqa: E402, F401  (Django finds them here)
