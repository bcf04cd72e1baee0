"""The administration lists, declared for the shared list toolkit (guanxi.org.lists): users (active / closed
accounts, filters on department, role and position, closing accounts in bulk through `user_deactivate`, export
for administrators) and the audit trail (filters on actor, action, object type and dates; its own audited export,
org:audit_export; no bulk edit). Registered in OrgConfig.ready(); the pages are `list_page("users")` and
`list_page("audit")`."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.errors import ApplicationError, ValidationFailed
from guanxi.core.models import AuditLog

from . import selectors, services
from .forms import department_options
from .lists.spec import BulkAction, BulkResult, Choice, Column, EmptyState, Field, ListDefinition, Scene
from .models import LoginEvent, User
from .policies import has_permission
from .views_admin import admin_tabs


# --- users ------------------------------------------------------------------------------------------------------
def _department_choices(user: Any) -> list[Choice]:
    return [Choice(str(pk), label) for pk, label in department_options(user=user)]


def _role_choices(user: Any) -> list[Choice]:
    return [Choice(str(r.pk), _(r.name)) for r in selectors.role_choices(user=user)]


def _position_choices(user: Any) -> list[Choice]:
    return [Choice(str(p.pk), p.name) for p in selectors.position_choices(user=user)]


def _roles_text(u: User) -> str:
    return ", ".join(_(r.name) for r in u.roles.all())


def _bulk_deactivate(actor: Any, ids: list[int], data: QueryDict) -> BulkResult:
    """Close each chosen account through `user_deactivate` (its handover, audit row and checks), all to one
    successor; an account the service refuses (already closed, your own, the successor) is skipped."""
    wanted = data.get("successor", "")
    successor = next((u for u in selectors.user_choices(user=actor) if str(u.pk) == wanted), None)
    if successor is None:
        message = _("Choose another, active user to take over.")
        raise ValidationFailed(message, fields={"successor": [message]})
    done = 0
    for subject in selectors.user_list(user=actor, filters={"status": "all"}).filter(pk__in=ids):
        try:
            services.user_deactivate(actor=actor, user=subject, successor=successor)
        except ApplicationError:
            continue
        done += 1
    return BulkResult(
        done=done,
        skipped=len(ids) - done,
        message=_(
            "Closed %(done)s accounts, handed to %(successor)s; skipped %(skipped)s (already closed, your own or "
            "the successor's)."
        )
        % {"done": done, "successor": successor, "skipped": len(ids) - done},
    )


# The old page's `status` filter opens the matching tab (bookmarks, links from other pages).
_STATUS_SCENES = {"active": "active", "closed": "closed", "all": "all"}


class UserList(ListDefinition):
    key = "users"
    title = gettext_lazy("Users")
    model = User
    permission = "org.admin"
    url_name = "org:user_list"
    template = "org/lists/admin_page.html"
    search_placeholder = gettext_lazy("User name, name, e-mail or mobile")
    export_permission = "org.admin"
    create_url_name = "org:user_create"
    create_permission = "org.admin"
    create_label = gettext_lazy("New user")
    star = False
    default_sort = "name"
    empty = EmptyState(
        gettext_lazy("No accounts here."),
        gettext_lazy("Open an account for each person who signs in to Guanxi; closed accounts keep their history."),
        icon="users",
    )
    param_labels = {"department": gettext_lazy("Department"), "role": gettext_lazy("Role")}

    scenes = (
        Scene("active", gettext_lazy("Active"), lambda qs, user: qs.filter(is_active=True)),
        Scene("closed", gettext_lazy("Closed"), lambda qs, user: qs.filter(is_active=False)),
        Scene("all", gettext_lazy("All"), lambda qs, user: qs),
    )
    columns = (
        Column(
            "name",
            gettext_lazy("Full name"),
            value=lambda u: u.display_name,
            template="org/cells/user_name.html",
            sort=("name", "username"),
            fixed=True,
        ),
        Column("username", gettext_lazy("User name"), default=False),
        Column(
            "department",
            gettext_lazy("Department"),
            value=lambda u: str(u.department) if u.department else "",
            sort=("department__name",),
        ),
        Column(
            "position",
            gettext_lazy("Position"),
            value=lambda u: str(u.position) if u.position else "",
            sort=("position__name",),
            phone=False,
        ),
        Column(
            "roles", gettext_lazy("Roles"), value=_roles_text, template="org/cells/user_roles.html", phone_inline=True
        ),
        Column(
            "status",
            gettext_lazy("Status"),
            value=lambda u: _("Active") if u.is_active else _("Closed"),
            template="org/cells/user_status.html",
            sort=("is_active",),
            phone_inline=True,
        ),
        Column(
            "last_login",
            gettext_lazy("Last sign-in"),
            template="org/cells/datetime.html",
            sort=("last_login",),
            phone=False,
        ),
        Column(
            "manager",
            gettext_lazy("Manager"),
            value=lambda u: str(u.manager) if u.manager else "",
            default=False,
            phone=False,
        ),
        Column("email", gettext_lazy("E-mail"), default=False, phone=False),
        Column("phone", gettext_lazy("Mobile"), default=False),
        Column(
            "joined",
            gettext_lazy("Opened"),
            value=lambda u: u.date_joined,
            template="org/cells/datetime.html",
            sort=("date_joined",),
            default=False,
            phone=False,
        ),
    )
    fields = (
        Field(
            "department",
            gettext_lazy("Department"),
            "department_id",
            "ref",
            choices=_department_choices,
            quick=True,
            own=True,
        ),
        Field("role", gettext_lazy("Role"), "roles", "ref", choices=_role_choices, quick=True, own=True),
        Field("position", gettext_lazy("Position"), "position_id", "ref", choices=_position_choices, quick=True),
        Field("last_login", gettext_lazy("Last sign-in"), "last_login", "datetime"),
    )
    bulk_actions = (
        BulkAction(
            "deactivate",
            gettext_lazy("Close accounts"),
            "user-off",
            "org.admin",
            _bulk_deactivate,
            form_template="org/lists/_bulk_deactivate_form.html",
            confirm=gettext_lazy(
                "They can no longer sign in, their API tokens are revoked, and their customers, contacts, open "
                "tasks, leads, open deals, drafts and pending approval steps go to the successor."
            ),
            danger=True,
        ),
    )

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        filters = params.copy()
        filters["status"] = "all"  # the scene tabs choose active or closed accounts
        return selectors.user_list(user=user, filters=filters)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return selectors.user_search(qs, text)

    def row_url(self, row: Any) -> str:
        return reverse("org:user_edit", args=[row.pk])

    def clean_params(self, *, params: QueryDict, warnings: list[str]) -> None:
        status = params.pop("status", [None])[-1]
        if status is None:
            return
        if status not in _STATUS_SCENES:
            warnings.append(
                _("Filter “%(label)s” was ignored: %(error)s")
                % {"label": _("Status"), "error": _("Choose one of the tabs.")}
            )
        elif "scene" not in params:
            params["scene"] = _STATUS_SCENES[status]

    def context(self, *, user: Any, params: QueryDict) -> dict[str, Any]:
        return {"admin_tabs": admin_tabs(user, "users"), "successors": selectors.user_choices(user=user)}


# --- audit trail ------------------------------------------------------------------------------------------------
def _actor_choices(user: Any) -> list[Choice]:
    closed = _("closed")
    return [
        Choice(str(u.pk), u.display_name if u.is_active else f"{u.display_name} ({closed})")
        for u in selectors.audit_actor_choices(user=user)
    ]


def _object_type_choices(user: Any) -> list[Choice]:
    return [Choice(str(ct.pk), str(ct.name).capitalize()) for ct in selectors.audit_object_types()]


def _changes_text(entry: AuditLog) -> str:
    if not hasattr(entry, "change_rows"):
        selectors.audit_describe([entry])
    return " · ".join(part for part in (selectors.changes_text(entry), entry.message_text) if part)


class AuditTrailList(ListDefinition):
    key = "audit"
    title = gettext_lazy("Audit trail")
    model = AuditLog
    permission = "audit.view"
    url_name = "org:audit_list"
    template = "org/lists/audit_page.html"
    search_placeholder = gettext_lazy("Object, message, ID")
    export_permission = None  # its own export, org:audit_export: the audit row says "audit trail exported"
    star = False
    default_sort = "-at"
    empty = EmptyState(
        gettext_lazy("No audit entries yet."),
        gettext_lazy("Every change, export, sign-in and permission change is recorded here with who did it and when."),
        icon="history",
    )
    no_action_text = gettext_lazy("Entries appear as people work; there is nothing to add here.")
    param_labels = {
        "actor": gettext_lazy("User"),
        "action": gettext_lazy("Action"),
        "object_type": gettext_lazy("Object type"),
    }

    columns = (
        Column(
            "at",
            gettext_lazy("Time"),
            value=lambda e: e.at,
            template="org/cells/audit_time.html",
            sort=("at",),
            fixed=True,
        ),
        Column(
            "actor",
            gettext_lazy("User"),
            value=lambda e: str(e.actor) if e.actor else "",
            sort=("actor__name", "actor__username"),
        ),
        Column(
            "action",
            gettext_lazy("Action"),
            value=lambda e: e.get_action_display(),
            template="org/cells/audit_action.html",
            sort=("action",),
            phone_inline=True,
        ),
        Column("object", gettext_lazy("Object"), value=lambda e: e.object_repr, template="org/cells/audit_object.html"),
        Column("changes", gettext_lazy("Changes"), value=_changes_text, template="org/cells/audit_changes.html"),
        Column("ip", gettext_lazy("IP address"), phone=False),
        Column("request_id", gettext_lazy("Request ID"), default=False, phone=False),
    )
    fields = (
        Field("actor", gettext_lazy("User"), "actor_id", "user", choices=_actor_choices, quick=True, own=True),
        Field(
            "action",
            gettext_lazy("Action"),
            "action",
            "choice",
            choices=lambda user: [Choice(v, label) for v, label in AuditLog.Action.choices],
            quick=True,
            own=True,
        ),
        Field(
            "object_type",
            gettext_lazy("Object type"),
            "content_type_id",
            "ref",
            choices=_object_type_choices,
            quick=True,
            own=True,
        ),
        Field("date", gettext_lazy("Date"), "at", "datetime", quick=True),
    )

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors.audit_list(user=user, filters=params)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return selectors.audit_search(qs, text)

    def prepare_rows(self, *, user: Any, rows: list[Any]) -> None:
        """The page's changes as "field: old → new", related rows named with one query per model for the page."""
        selectors.audit_describe(rows)

    def row_url(self, row: Any) -> str:
        return ""  # an entry has no page of its own: the time column is plain text

    def context(self, *, user: Any, params: QueryDict) -> dict[str, Any]:
        return {"admin_tabs": admin_tabs(user, "audit"), "can_export_audit": has_permission(user, "audit.export")}


# --- login history ----------------------------------------------------------------------------------------------
class LoginHistoryList(ListDefinition):
    key = "logins"
    title = gettext_lazy("Login history")
    model = LoginEvent
    permission = "org.admin"
    url_name = "org:login_list"
    template = "org/lists/admin_page.html"
    search_placeholder = gettext_lazy("User name or name")
    export_permission = "org.admin"
    star = False
    default_sort = "-at"
    empty = EmptyState(
        gettext_lazy("No sign-in attempts yet."),
        gettext_lazy("Every sign-in attempt, successful or not, and every sign-out is listed here."),
        icon="login",
    )
    no_action_text = gettext_lazy("Attempts appear as people sign in; there is nothing to add here.")
    param_labels = {"user": gettext_lazy("User"), "result": gettext_lazy("Result"), "ip": gettext_lazy("IP address")}

    columns = (
        Column(
            "at",
            gettext_lazy("Time"),
            value=lambda e: e.at,
            template="org/cells/audit_time.html",
            sort=("at",),
            fixed=True,
        ),
        Column(
            "user",
            gettext_lazy("User"),
            value=lambda e: e.username,
            template="org/cells/login_user.html",
            sort=("username",),
        ),
        Column(
            "result",
            gettext_lazy("Result"),
            value=lambda e: _login_result(e),
            template="org/cells/login_result.html",
            phone_inline=True,
        ),
        Column("ip", gettext_lazy("IP address"), sort=("ip",)),
        Column("user_agent", gettext_lazy("Browser"), template="org/cells/login_browser.html", phone=False),
    )
    fields = (
        Field(
            "result",
            gettext_lazy("Result"),
            "",
            "choice",
            choices=lambda user: [Choice(v, label) for v, label in selectors.LOGIN_RESULTS],
            quick=True,
            own=True,
        ),
        Field("ip", gettext_lazy("IP address"), "ip", "text", own=True),
        Field("date", gettext_lazy("Date"), "at", "datetime", quick=True),
    )

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors.login_event_list(user=user, filters=params)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return selectors.login_event_search(qs, text)

    def row_url(self, row: Any) -> str:
        return ""  # an attempt has no page of its own: the time column is plain text

    def context(self, *, user: Any, params: QueryDict) -> dict[str, Any]:
        return {"admin_tabs": admin_tabs(user, "logins")}


def _login_result(e: LoginEvent) -> str:
    if e.event != LoginEvent.Event.SIGN_IN:
        return e.get_event_display()
    return _("Succeeded") if e.success else _("Failed")
