"""The customer list as a spreadsheet (CSV or XLSX), with the export data scope and one audit row."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import ValidationFailed
from guanxi.core.export import local_time, to_csv, to_xlsx
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, audit_value
from guanxi.org.models import User
from guanxi.org.policies import require_permission

from .. import selectors
from ..models import Customer

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Keys of a list view's query string that choose a page or a format, not customers.
_NOT_FILTERS = ("ids", "page", "per_page", "fmt", "csrfmiddlewaretoken")


def customer_export(*, actor: User, filters: Any, fmt: str) -> tuple[bytes, str, str]:
    """The customers of a list view (its filters, or `ids` for a selection) as CSV or XLSX, formula-safe.

    Needs customers.export and reads with the export data scope; writes one EXPORT audit row with the
    filters and the row count. Returns (content, content type, file name).
    """
    require_permission(actor, "customers.export")
    if fmt not in EXPORT_TYPES:
        raise ValidationFailed(_("Choose CSV or XLSX."), fields={"fmt": [_("Choose CSV or XLSX.")]})
    params, ids = _export_selection(filters)
    qs = selectors.customer_list(user=actor, filters=params, action="export")
    if isinstance(params, QueryDict):
        params = {k: v if len(v) > 1 else v[0] for k, v in params.lists()}
    if ids:
        qs = qs.filter(pk__in=ids)
    headers, rows = _export_headers(), _export_rows(qs)
    content = to_csv(headers, rows) if fmt == "csv" else to_xlsx(headers, rows, sheet=str(_("Customers")))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditLog.Action.EXPORT,
            changes={
                "filters": {k: audit_value(v) for k, v in params.items()},
                "ids": ids,
                "rows": len(rows),
                "format": fmt,
            },
            message=Message(gettext_noop("Exported %(count)s customers"), {"count": len(rows)}),
        )
    filename = f"customers-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"
    return content, EXPORT_TYPES[fmt], filename


def _export_selection(filters: Any) -> tuple[Any, list[int]]:
    """Split a list view's filters into the list filters and the ids of a selection (checked: digits only)."""
    params: Any
    if isinstance(filters, QueryDict):  # a web query string: multi-valued keys stay lists
        params = filters.copy()
        ids = params.getlist("ids")
    else:
        params = dict(filters or {})
        raw_ids = params.get("ids")
        ids = [raw_ids] if isinstance(raw_ids, str | int) else list(raw_ids or [])
    for key in _NOT_FILTERS:
        params.pop(key, None)
    if any(not str(i).isdigit() or len(str(i)) > 18 for i in ids):
        raise ValidationFailed(_("Invalid selection."), fields={"ids": [_("Invalid selection.")]})
    return params, [int(i) for i in ids]


def _export_headers() -> list[str]:
    return [
        _("Name"),
        _("Type"),
        _("Unified social credit code"),
        _("Level"),
        _("Status"),
        _("Owner"),
        _("Department"),
        _("Industry"),
        _("Province"),
        _("City"),
        _("Source"),
        _("Phone"),
        _("E-mail"),
        _("Tags"),
        _("Last contact"),
        _("Next follow-up"),
        _("Created at"),
        _("Updated at"),
    ]


def _export_rows(qs: QuerySet[Customer]) -> list[list[Any]]:
    return [
        [
            c.name,
            c.get_kind_display(),
            c.credit_code,
            c.get_level_display(),
            c.get_status_display(),
            str(c.owner) if c.owner else "",
            str(c.department) if c.department else "",
            c.get_industry_display(),
            c.province,
            c.city,
            c.get_source_display() if c.source else "",
            c.phone,
            c.email,
            ", ".join(t.name for t in c.tags.all()),
            local_time(c.last_contact_at),
            c.next_follow_up_on,
            local_time(c.created_at),
            local_time(c.updated_at),
        ]
        for c in qs.iterator(chunk_size=2000)
    ]
