"""Reads of the audit trail (narrowed by the data scope of `audit.view`/`audit.export`: an entry belongs to the user
who acted) and of the login history."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import django_filters as df
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.models import AuditLog

from ..audit_changes import describe_changes
from ..models import LoginEvent, User
from ..policies import require_permission, scope_q
from .base import ADMIN, _filtered, _IPFilter

# An export is one synchronous file; past this many rows the user narrows the filters first.
AUDIT_EXPORT_MAX_ROWS = 50_000
# Apps whose models never appear in the object-type filter (framework tables).
_INTERNAL_APPS = {"admin", "auth", "contenttypes", "sessions", "django_tasks", "django_tasks_database"}


# --- audit trail ------------------------------------------------------------------------------
class _ActorOwned:
    """What scope_q needs to know about audit rows and login events: they belong to the acting user."""

    scope_owner_path = "actor"
    scope_collaborators_path = None


def _audit_scoped(user: User, action: str) -> QuerySet[AuditLog]:
    scope = require_permission(user, f"audit.{action}")
    q = scope_q(user, _ActorOwned, scope)  # type: ignore[arg-type]
    qs = AuditLog.objects.all()
    return qs if q is None else qs.filter(q)


def audit_object_types() -> QuerySet[ContentType]:
    """Business object types for the filter (framework tables left out)."""
    return ContentType.objects.exclude(app_label__in=_INTERNAL_APPS).order_by("app_label", "model")


def audit_search(qs: QuerySet[AuditLog], text: str) -> QuerySet[AuditLog]:
    """Entries whose object, message, object id or request id holds every word of `text`."""
    for term in text.split()[:5]:
        qs = qs.filter(
            Q(object_repr__icontains=term) | Q(message__icontains=term) | Q(object_id=term) | Q(request_id=term)
        )
    return qs


class AuditFilter(df.FilterSet):
    actor = df.ModelChoiceFilter(queryset=User.objects.all(), label=_("User"))
    action = df.ChoiceFilter(choices=AuditLog.Action.choices, label=_("Action"))
    object_type = df.ModelChoiceFilter(
        queryset=ContentType.objects.exclude(app_label__in=_INTERNAL_APPS),
        field_name="content_type",
        label=_("Object type"),
    )
    date_from = df.DateFilter(field_name="at", lookup_expr="date__gte", label=_("From"))
    date_to = df.DateFilter(field_name="at", lookup_expr="date__lte", label=_("To"))
    q = df.CharFilter(method="filter_q", label=_("Text"), max_length=100)

    class Meta:
        model = AuditLog
        fields: list[str] = []

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return audit_search(qs, value)


AUDIT_FILTER_KEYS = ("actor", "action", "object_type", "date_from", "date_to", "q")


def audit_list(
    *, user: User, filters: QueryDict | dict[str, Any] | None = None, action: str = "view"
) -> QuerySet[AuditLog]:
    """Audit entries the user may read (or export, with action="export"), newest first."""
    qs = _filtered(AuditFilter, filters, _audit_scoped(user, action))
    return qs.select_related("actor", "content_type").order_by("-at", "-id")


def audit_describe(entries: Iterable[AuditLog]) -> list[AuditLog]:
    """Attach `change_rows` to each entry of a page: its field changes in the reader's language (field labels,
    choice labels, local times, related rows by name), rendered by org.audit_changes as everywhere else. The
    audit trail's reader is an auditor, so nothing is hidden from them."""
    return describe_changes(list(entries), reader=None)


def changes_text(entry: AuditLog) -> str:
    """An entry's changes on one line ("Status: draft → approved; …"), for the export and the list's cell."""
    return "; ".join(f"{r.label}: {r.old} → {r.new}" for r in getattr(entry, "change_rows", []))


def audit_export_rows(
    *, user: User, filters: QueryDict | dict[str, Any] | None = None
) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows of the filtered audit trail for a spreadsheet (needs audit.export)."""
    qs = audit_list(user=user, filters=filters, action="export")
    if qs.count() > AUDIT_EXPORT_MAX_ROWS:
        raise ValidationFailed(
            gettext("More than %(max)s rows match. Narrow the filters (e.g. the date range) and export again.")
            % {"max": f"{AUDIT_EXPORT_MAX_ROWS:,}"}
        )
    headers = [
        gettext("Time"),
        gettext("User"),
        gettext("Action"),
        gettext("Object type"),
        gettext("Object ID"),
        gettext("Object"),
        gettext("Changes"),
        gettext("Message"),
        gettext("IP address"),
        gettext("Request ID"),
    ]
    return headers, list(_audit_rows(qs))


def _audit_rows(qs: QuerySet[AuditLog]) -> Iterator[list[Any]]:
    batch: list[AuditLog] = []
    for entry in qs.iterator(chunk_size=2000):
        batch.append(entry)
        if len(batch) == 2000:
            yield from _audit_batch_rows(batch)
            batch = []
    yield from _audit_batch_rows(batch)


def _model_label(content_type: Any) -> str:
    model = content_type.model_class() if content_type else None
    return str(model._meta.verbose_name) if model is not None else ""


def _audit_batch_rows(batch: list[AuditLog]) -> Iterator[list[Any]]:
    for e in audit_describe(batch):
        yield [
            timezone.localtime(e.at),
            str(e.actor) if e.actor else "",
            e.get_action_display(),
            _model_label(e.content_type),
            e.object_id,
            e.object_repr,
            changes_text(e),
            e.message_text,
            e.ip or "",
            e.request_id,
        ]


def audit_actor_choices(*, user: User) -> QuerySet[User]:
    """Everyone who may appear as an actor in the filter (closed accounts included: history keeps them)."""
    require_permission(user, "audit.view")
    return User.objects.order_by("-is_active", "name", "username")


# --- login history ----------------------------------------------------------------------------
LOGIN_RESULTS = [("success", _("Succeeded")), ("failure", _("Failed")), ("sign_out", _("Signed out"))]


def login_event_search(qs: QuerySet[LoginEvent], text: str) -> QuerySet[LoginEvent]:
    """Attempts whose user name as typed, or whose user's name, holds `text`."""
    return qs.filter(Q(username__icontains=text.strip()) | Q(user__name__icontains=text.strip()))


class LoginEventFilter(df.FilterSet):
    user = df.CharFilter(method="filter_user", label=_("User name"), max_length=150)
    result = df.ChoiceFilter(choices=LOGIN_RESULTS, method="filter_result", label=_("Result"))
    date_from = df.DateFilter(field_name="at", lookup_expr="date__gte", label=_("From"))
    date_to = df.DateFilter(field_name="at", lookup_expr="date__lte", label=_("To"))
    ip = _IPFilter(field_name="ip", label=_("IP address"))

    class Meta:
        model = LoginEvent
        fields: list[str] = []

    def filter_user(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return login_event_search(qs, value)

    def filter_result(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if value == "sign_out":
            return qs.exclude(event=LoginEvent.Event.SIGN_IN)
        return qs.filter(event=LoginEvent.Event.SIGN_IN, success=(value == "success"))


def login_event_list(*, user: User, filters: QueryDict | dict[str, Any] | None = None) -> QuerySet[LoginEvent]:
    """Every sign-in attempt and sign-out, newest first (administrators only)."""
    require_permission(user, ADMIN)
    return _filtered(LoginEventFilter, filters, LoginEvent.objects.all()).select_related("user").order_by("-at", "-id")
