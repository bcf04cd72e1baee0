"""Export of any registered list: the current view's rows (its filters, or the ticked ids) with the reader's
visible columns, formula-safe (core.export), read with the export data scope and audited (one EXPORT row naming
the filters). At most EXPORT_ROW_CAP rows: a larger view is refused with a message asking for narrower filters."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.export import local_time, to_csv, to_xlsx
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, audit_value
from guanxi.org.models import SavedView, User

from .custom import attach_names
from .engine import cell_value, resolve, visible_columns
from .spec import ListDefinition

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXPORT_ROW_CAP = 50_000  # rows per file; more needs narrower filters (keeps a request's memory bounded)
_NOT_FILTERS = ("ids", "page", "per_page", "fmt", "csrfmiddlewaretoken", "next", "view")


def _plain(value: Any) -> Any:
    """A cell's value as a spreadsheet holds it: text for records and choices, local time for a moment."""
    import datetime as dt
    from decimal import Decimal

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return local_time(value)
    if isinstance(value, dt.date | int | float | Decimal | str):
        return value
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value)
    return str(value)


def list_export(
    *,
    actor: User,
    definition: ListDefinition,
    query: QueryDict,
    fmt: str,
    ids: list[int] | None = None,
    view: SavedView | None = None,
) -> tuple[bytes, str, str]:
    """The list's rows as CSV or XLSX. Returns (content, content type, file name). Needs the reader's export right
    (ListDefinition.may_export, else PermissionDeniedError); a bad format or a filter value that cannot work is a
    ValidationFailed naming it. Refused: nothing audited, no file."""
    if not definition.may_export(actor):
        raise PermissionDeniedError(_("You may not export this list."))
    if fmt not in EXPORT_TYPES:
        raise ValidationFailed(_("Choose CSV or XLSX."), fields={"fmt": [_("Choose CSV or XLSX.")]})
    query = query.copy()
    for key in _NOT_FILTERS:
        query.pop(key, None)
    resolved = resolve(definition, user=actor, query=query, export=True)
    if resolved.warnings and not ids:
        raise ValidationFailed(" ".join(resolved.warnings), fields={"filters": resolved.warnings})
    qs = resolved.qs
    if ids is not None:
        qs = resolved.base.filter(pk__in=ids).order_by(*qs.query.order_by)
    total = qs.count()
    if total > EXPORT_ROW_CAP:
        msg = _("This view has %(n)s rows; an export holds at most %(cap)s. Narrow the filters first.") % {
            "n": total,
            "cap": EXPORT_ROW_CAP,
        }
        raise ValidationFailed(msg, fields={"filters": [msg]})
    columns = [c for c in visible_columns(definition, user=actor, view=view) if c.export]
    headers = [str(c.label) for c in columns]
    records = list(qs[:EXPORT_ROW_CAP])
    definition.prepare_rows(user=actor, rows=records)
    attach_names(definition, records)
    rows = [[_plain(cell_value(c, row)) for c in columns] for row in records]
    content = to_csv(headers, rows) if fmt == "csv" else to_xlsx(headers, rows, sheet=str(definition.title)[:31])
    filters = {k: v if len(v) > 1 else v[0] for k, v in resolved.params.lists() if k not in ("page", "per_page")}
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditLog.Action.EXPORT,
            changes={
                "list": definition.key,
                "filters": {k: audit_value(v) for k, v in filters.items()},
                "ids": ids or [],
                "rows": len(rows),
                "format": fmt,
            },
            message=Message(
                gettext_noop("Exported %(count)s rows of the list %(list)s"),
                {"count": len(rows), "list": definition.key},
            ),
        )
    filename = f"{definition.export_filename()}-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"
    return content, EXPORT_TYPES[fmt], filename
