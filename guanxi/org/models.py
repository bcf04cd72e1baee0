"""Users, the department tree, positions, partner organisations, roles, API tokens, login history."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import BusinessModel, TimeStampedModel


class DataScope(models.TextChoices):
    """How far a role's permission reaches, narrowest first (order matters: see policies.widest)."""

    SELF = "self", _("Own records")
    SUBORDINATES = "subordinates", _("Own and subordinates' records")
    DEPARTMENT = "department", _("Own department")
    DEPARTMENT_TREE = "department_tree", _("Own department and sub-departments")
    ALL = "all", _("All records")


class Department(TimeStampedModel):
    class Kind(models.TextChoices):
        HEADQUARTERS = "headquarters", _("Headquarters")
        BRANCH = "branch", _("Branch office")
        DEPARTMENT = "department", _("Department")
        TEAM = "team", _("Team")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path "/1/4/9/": descendants are one indexed prefix query.
    path = models.CharField(max_length=255, editable=False, db_index=True, default="/")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_departments",
    )
    requires_customer_review = models.BooleanField(
        _("review new customers"),
        default=False,
        help_text=_("New customers entered by reps stay pending until the manager or assistant approves them."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["path", "sort_order", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return max(0, self.path.count("/") - 2)


class Position(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")

    def __str__(self) -> str:
        return self.name


class PartnerOrganisation(TimeStampedModel):
    """An agent (代理商) or joint-venture company (联营公司): its users see only its own data."""

    class Kind(models.TextChoices):
        AGENT = "agent", _("Agent")
        JOINT_VENTURE = "joint_venture", _("Joint venture")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.AGENT)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")

    def __str__(self) -> str:
        return self.name


class Role(TimeStampedModel):
    """A job role: module actions it grants (`"customers.edit"`, …) and how far they reach."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    permissions = models.JSONField(_("permissions"), default=list, blank=True)
    data_scope = models.CharField(_("data scope"), max_length=20, choices=DataScope.choices, default=DataScope.SELF)
    is_system = models.BooleanField(_("default role"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        # Default roles are stored with their English names (msgids) and shown in the reader's language;
        # names an admin typed are shown as typed.
        return gettext(self.name) if self.is_system else self.name


class GuanxiUserManager(UserManager):
    pass


class User(AbstractUser):
    class Language(models.TextChoices):
        ZH = "zh-hans", "简体中文"
        EN = "en", "English"

    name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("mobile"), max_length=30, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    position = models.ForeignKey(
        Position, verbose_name=_("position"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="direct_reports",
    )
    partner_org = models.ForeignKey(
        PartnerOrganisation,
        verbose_name=_("partner organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    roles = models.ManyToManyField(Role, verbose_name=_("roles"), blank=True, related_name="users")
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.ZH)
    time_zone = models.CharField(_("time zone"), max_length=50, default="Asia/Shanghai")

    objects = GuanxiUserManager()  # type: ignore[misc]
    # What str(user) reads: a list that shows people's names reads only these (core.schema_columns)
    NAME_COLUMNS = ("id", "name", "first_name", "last_name", "username")

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return str(self)


class ApiToken(TimeStampedModel):
    """A personal API token. Only a SHA-256 hash is stored; the secret is shown once."""

    PREFIX = "gx_"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    read_only = models.BooleanField(_("read only"), default=False)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class LoginEvent(models.Model):
    """Login history: every sign-in attempt, successful or not (also the input of login throttling), and every
    sign-out, by the user or after the idle timeout."""

    class Event(models.TextChoices):
        SIGN_IN = "sign_in", _("Sign-in")
        SIGN_OUT = "sign_out", _("Signed out")
        IDLE_SIGN_OUT = "idle_sign_out", _("Signed out after inactivity")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="login_events"
    )
    username = models.CharField(_("user name"), max_length=150, db_index=True)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    event = models.CharField(_("event"), max_length=20, choices=Event.choices, default=Event.SIGN_IN)
    success = models.BooleanField(_("success"))
    reason = models.CharField(_("reason"), max_length=100, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["username", "success", "-at"]), models.Index(fields=["ip", "success", "-at"])]
        verbose_name = _("login event")
        verbose_name_plural = _("login history")

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M} {self.event} {'ok' if self.success else 'failed'}"


class PermissionChangeRequest(TimeStampedModel):
    """A request to change someone's roles (权限变更申请, REQUIREMENTS §11): roles to grant and to take away, and
    why. It goes through the approval engine (document kind "permission_change"); the change is applied only
    when the request is approved (org.permission_requests.services)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("In approval")
        APPROVED = "approved", _("Approved and applied")
        REJECTED = "rejected", _("Rejected")
        RETURNED = "returned", _("Returned for changes")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="permission_change_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    add_roles = models.ManyToManyField(Role, verbose_name=_("roles to grant"), blank=True, related_name="+")
    remove_roles = models.ManyToManyField(Role, verbose_name=_("roles to take away"), blank=True, related_name="+")
    reason = models.TextField(_("reason"), max_length=2000)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("permission change request")
        verbose_name_plural = _("permission change requests")

    def __str__(self) -> str:
        return gettext("Permission change for %(user)s") % {"user": self.user}


class OwnedRecord(BusinessModel):
    """A business record a person owns (客户, 线索, 商机, 报价, 合同…): its owner, the department it belongs to (what
    the "department" data scope narrows on), who created it and its collaborators (协作人), who work on it beside
    the owner. Version, soft delete and timestamps come from BusinessModel.

    The related names follow `owned_<model>_set` and `collaborating_<model>_set` (no English plural to get wrong:
    user.owned_customer_set, user.collaborating_opportunity_set). A model whose names are older and
    irregular redeclares that one field with its own related name (keeping the other options, so the schema does
    not change); a model that lacks a field sets it to None (`collaborators = None`) and, for collaborators, also
    `scope_collaborators_path = None`."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_%(class)s_set",
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
        settings.AUTH_USER_MODEL,
        verbose_name=_("collaborators"),
        blank=True,
        related_name="collaborating_%(class)s_set",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_owner_path = "owner"
    scope_collaborators_path: str | None = "collaborators"

    class Meta(BusinessModel.Meta):
        abstract = True


class CompanyProfile(TimeStampedModel):
    """The company using Guanxi, as printed on quotes, invoices and statements (the seller): one row, edited by an
    administrator (org.admin) on the company settings page. Blank until set: documents then show a placeholder."""

    name = models.CharField(_("company name"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=60, blank=True)
    tax_id = models.CharField(_("taxpayer ID"), max_length=30, blank=True)
    bank_name = models.CharField(_("bank"), max_length=200, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("company settings")
        verbose_name_plural = _("company settings")

    def __str__(self) -> str:
        return self.name or str(_("company settings"))

    @property
    def is_set(self) -> bool:
        return bool(self.name.strip())


# --- the shared list toolkit (guanxi.org.lists): saved views, column choices, stars ------------------------------
class SavedView(TimeStampedModel):
    """A named list state (the URL query string) of one list: personal, or shared with everyone holding `role`
    (published by an administrator). A user's default view opens when they open the bare list."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    list_key = models.CharField(_("list"), max_length=50, default="customers")
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    is_default = models.BooleanField(_("default view"), default=False)
    role = models.ForeignKey(
        Role, on_delete=models.CASCADE, null=True, blank=True, related_name="shared_views", verbose_name=_("role")
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "list_key", "name"], name="org_saved_view_unique_name")]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")

    def __str__(self) -> str:
        return self.name


class ListPreference(models.Model):
    """A user's columns (visible keys in order) and page size for one list, or for one saved view of it; the
    list-wide row (view empty) also names the user's default view."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_preferences")
    list_key = models.CharField(_("list"), max_length=50)
    view = models.ForeignKey(SavedView, on_delete=models.CASCADE, null=True, blank=True, related_name="preferences")
    columns = models.JSONField(_("columns"), default=list, blank=True)
    per_page = models.PositiveSmallIntegerField(_("page size"), null=True, blank=True)
    default_view = models.ForeignKey(
        SavedView, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("default view")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "list_key", "view"], name="org_list_pref_unique", nulls_distinct=False
            )
        ]
        verbose_name = _("list preference")
        verbose_name_plural = _("list preferences")

    def __str__(self) -> str:
        return f"{self.list_key}:{self.user_id}"


class Star(models.Model):
    """A user's starred record (any model), shown with a filled star and in the list's "Starred" scene."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stars")
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "content_type", "object_id"], name="org_star_unique")]
        indexes = [models.Index(fields=["user", "content_type"])]
        verbose_name = _("star")
        verbose_name_plural = _("stars")

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id}"


# Tables of features that live in sub-packages (they are org's models all the same).
from .calendar.models import CalendarFeed  # noqa: E402,F401
from .mailboxes.models import UserMailbox  # noqa: E402,F401
from .webhooks.models import WebhookDelivery, WebhookSubscription  # noqa: E402,F401
