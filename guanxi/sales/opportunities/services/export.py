"""Exports of opportunity lists and the funnel as spreadsheets (CSV or XLSX), formula-safe and audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.export import to_csv, to_xlsx
from guanxi.core.i18n import Message
from guanxi.core.inputs import field_error
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record
from guanxi.org.models import User
from guanxi.org.policies import require_permission

from ..funnel import Funnel, funnel_table
from ..selectors import Filters, opportunity_list

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _check_export(actor: User, fmt: str) -> None:
    require_permission(actor, "opportunities.export")
    if fmt not in EXPORT_TYPES:
        raise field_error("format", _("Choose CSV or XLSX."))


def _sheet(
    *,
    actor: User,
    report: str,
    message: str,
    headers: list[Any],
    rows: list[list[Any]],
    fmt: str,
    sheet: str,
    filters: Mapping[str, Any],
) -> bytes:
    """The table as CSV or XLSX (formula-safe), with the one EXPORT audit row that says what left and how."""
    content = to_csv(headers, rows) if fmt == "csv" else to_xlsx(headers, rows, sheet=sheet)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditLog.Action.EXPORT,
            changes={
                "report": report,
                "filters": {k: str(v) for k, v in filters.items()},
                "rows": len(rows),
                "format": fmt,
            },
            message=Message(message),
        )
    return content


def opportunity_export(*, actor: User, fmt: str, filters: Filters = None) -> tuple[bytes, str, str]:
    """The opportunity list (selectors.opportunity_list: the page's and the API's filters and sort) as CSV or XLSX,
    formula-safe. Needs opportunities.export, reads with the export data scope and leaves one EXPORT audit row.
    Returns (content, content type, file name)."""
    _check_export(actor, fmt)
    qs = opportunity_list(user=actor, filters=filters, action="export")
    used = {k: v for k, v in (filters or {}).items() if k not in ("export", "page") and v not in (None, "")}
    headers = [
        _("Name"),
        _("Customer"),
        _("Owner"),
        _("Department"),
        _("Pipeline"),
        _("Stage"),
        _("Status"),
        _("Amount"),
        _("Currency"),
        _("Probability"),
        _("Expected signing date"),
        _("Forecast category"),
        _("Created"),
    ]
    rows = [
        [
            o.name,
            o.customer.name,
            str(o.owner),
            str(o.department or ""),
            str(o.pipeline),
            str(o.stage),
            o.get_status_display(),
            o.amount,
            o.currency,
            o.probability,
            o.expected_close_date.isoformat() if o.expected_close_date else "",
            o.get_forecast_category_display(),
            timezone.localtime(o.created_at).strftime("%Y-%m-%d %H:%M"),
        ]
        for o in qs.iterator(chunk_size=2000)
    ]
    content = _sheet(
        actor=actor,
        report="opportunities",
        message=gettext_noop("Exported opportunities"),
        headers=headers,
        rows=rows,
        fmt=fmt,
        sheet=str(_("Opportunities")),
        filters=used,
    )
    return content, EXPORT_TYPES[fmt], f"opportunities-{timezone.localdate():%Y%m%d}.{fmt}"


def funnel_export(*, actor: User, data: Funnel, fmt: str, filters: dict[str, Any]) -> tuple[bytes, str, str]:
    """The funnel table as CSV or XLSX; needs opportunities.export and leaves an audit row."""
    _check_export(actor, fmt)
    headers, rows = funnel_table(data)
    content = _sheet(
        actor=actor,
        report="opportunity_funnel",
        message=gettext_noop("Exported the sales funnel"),
        headers=headers,
        rows=rows,
        fmt=fmt,
        sheet=str(_("Funnel")),
        filters=filters,
    )
    filename = f"funnel-{data.period.date_from:%Y%m%d}-{data.period.date_to:%Y%m%d}.{fmt}"
    return content, EXPORT_TYPES[fmt], filename
