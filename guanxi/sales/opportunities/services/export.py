"""The opportunity list as a spreadsheet (CSV or XLSX), formula-safe and audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.i18n import Message
from guanxi.core.inputs import field_error
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record
from guanxi.org.models import User
from guanxi.org.policies import require_permission


def opportunity_export(
    *, actor: User, fmt: str, filters: dict[str, Any] | None = None, params: Any = None
) -> tuple[bytes, str, str]:
    """The opportunities of a list as CSV or XLSX, formula-safe: `filters` are the API list's, `params` the list
    page's query string (same filters and sort as on the page). Needs opportunities.export, reads with the export
    data scope and leaves one EXPORT audit row. Returns (content, content type, file name)."""
    from guanxi.core.export import to_csv, to_xlsx

    from ..funnel import EXPORT_TYPES, opportunity_list
    from ..selectors import opportunity_list as page_list

    require_permission(actor, "opportunities.export")
    if fmt not in EXPORT_TYPES:
        raise field_error("format", _("Choose CSV or XLSX."))
    if params is not None:
        qs, _errors = page_list(user=actor, params=params, action="export")
        filters = {k: v for k, v in params.items() if k not in ("export", "page") and v}
    else:
        filters = filters or {}
        qs = opportunity_list(user=actor, filters=filters, action="export")
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
    content = to_csv(headers, rows) if fmt == "csv" else to_xlsx(headers, rows, sheet=str(_("Opportunities")))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditLog.Action.EXPORT,
            changes={
                "report": "opportunities",
                "filters": {k: str(v) for k, v in filters.items()},
                "rows": len(rows),
                "format": fmt,
            },
            message=Message(gettext_noop("Exported opportunities")),
        )
    filename = f"opportunities-{timezone.localdate():%Y%m%d}.{fmt}"
    return content, EXPORT_TYPES[fmt], filename
