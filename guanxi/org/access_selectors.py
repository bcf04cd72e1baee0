"""Reads of the access log (who opened, exported or downloaded what; guanxi.core.accesslog writes it).

Administrators only: `access_log.view`, narrowed by its data scope like the audit trail (an entry belongs to the
user who read). The page and the API share the filter set and the description of each entry."""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import ip_address
from typing import Any

import django_filters as df
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import AccessLog, AuditLog
from guanxi.core.registry import registry

from .models import User
from .policies import require_permission, scope_q
from .selectors.audit import _ActorOwned
from .selectors.base import _filtered

PERMISSION = "access_log.view"


class AccessLogFilter(df.FilterSet):
    actor = df.ModelChoiceFilter(queryset=User.objects.all(), label=_("User"))
    kind = df.ChoiceFilter(choices=AccessLog.Kind.choices, label=_("Kind"))
    date_from = df.DateFilter(field_name="at", lookup_expr="date__gte", label=_("From"))
    date_to = df.DateFilter(field_name="at", lookup_expr="date__lte", label=_("To"))
    q = df.CharFilter(method="filter_q", label=_("Text"), max_length=100)

    class Meta:
        model = AccessLog
        fields: list[str] = []

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """Every term must match the object's name or id, the request id, or the IP address."""
        for term in value.split()[:5]:
            match = Q(object_repr__icontains=term) | Q(object_id=term) | Q(request_id=term)
            if _is_ip(term):  # PostgreSQL's inet column refuses text that is not an address
                match |= Q(ip=term)
            qs = qs.filter(match)
        return qs


def _is_ip(term: str) -> bool:
    try:
        ip_address(term)
    except ValueError:
        return False
    return True


ACCESS_LOG_FILTER_KEYS = ("actor", "kind", "date_from", "date_to", "q")


def access_log_list(*, user: User, filters: QueryDict | dict[str, Any] | None = None) -> QuerySet[AccessLog]:
    """Access entries the user may read, filtered, newest first (403 without access_log.view)."""
    scope = require_permission(user, PERMISSION)
    q = scope_q(user, _ActorOwned, scope)  # type: ignore[arg-type]
    qs = AccessLog.objects.all() if q is None else AccessLog.objects.filter(q)
    return _filtered(AccessLogFilter, filters, qs).select_related("actor", "content_type").order_by("-at", "-id")


def access_log_actor_choices(*, user: User) -> QuerySet[User]:
    """Everyone who may appear in the user filter (closed accounts included: the log keeps them)."""
    require_permission(user, PERMISSION)
    return User.objects.order_by("-is_active", "name", "username")


def access_log_describe(entries: Iterable[AccessLog]) -> list[AccessLog]:
    """Attach `object_type` and `description` (in the reader's language) to a page of entries: the file and its kind
    for a download, the export's audit message for an export. One query for the page's export entries."""
    out = list(entries)
    audit_ids = [e.detail.get("audit_id") for e in out if e.kind == AccessLog.Kind.EXPORT]
    audits = {a.pk: a for a in AuditLog.objects.filter(pk__in=[i for i in audit_ids if isinstance(i, int)])}
    for entry in out:
        model = entry.content_type.model_class() if entry.content_type_id and entry.content_type else None
        entry.object_type = str(model._meta.verbose_name) if model is not None else ""  # type: ignore[attr-defined]
        entry.description = _describe(entry, audits)  # type: ignore[attr-defined]
    return out


def _describe(entry: AccessLog, audits: dict[int, AuditLog]) -> str:
    detail = entry.detail or {}
    if entry.kind == AccessLog.Kind.DOWNLOAD:
        kind = registry.file_kinds.get(str(detail.get("file_kind", "")))
        file_name = str(detail.get("file", ""))
        return gettext("%(label)s: %(value)s") % {"label": kind.label, "value": file_name} if kind else file_name
    if entry.kind == AccessLog.Kind.EXPORT:
        audit = audits.get(detail.get("audit_id"))  # type: ignore[arg-type]
        return (audit.message_text or gettext("Export")) if audit is not None else gettext("Export")
    return ""
