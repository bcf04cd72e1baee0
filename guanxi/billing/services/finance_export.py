"""The finance export (会计凭证导出): one period's invoices and payments as accounting vouchers, and each
customer's receivable balance, for a Chinese accounting package (用友 / 金蝶 import their voucher templates from
a spreadsheet). CSV (one table: `part` vouchers or receivables) or XLSX (a workbook: 凭证, 应收余额); formula-safe
(core.export), audited as an export with its period and row count. The layout is documented in docs/billing.md."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import ValidationFailed
from guanxi.core.export import to_csv, to_xlsx_book
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.money import ZERO
from guanxi.core.services import audit_record
from guanxi.org.models import User

from ..selectors.finance import (
    RECEIVABLE_HEADERS,
    VOUCHER_HEADERS,
    finance_period,
    finance_receivables,
    finance_vouchers,
)
from .exports import FORMATS

PARTS = ("vouchers", "receivables")


def finance_export(
    *, actor: User, start: Any = None, end: Any = None, fmt: str = "xlsx", part: str = "vouchers"
) -> tuple[bytes, str, str]:
    """(content, content type, file name) of the period's export; payments.export within its data scope."""
    if fmt not in FORMATS:
        raise ValidationFailed(_("Choose CSV or XLSX."), fields={"fmt": [_("Choose CSV or XLSX.")]})
    if part not in PARTS:
        message = _("Choose vouchers or receivables.")
        raise ValidationFailed(message, fields={"part": [message]})
    first, last = finance_period(start=start, end=end)
    vouchers = [line.row() for line in finance_vouchers(user=actor, start=first, end=last)]
    receivables = finance_receivables(user=actor, start=first, end=last)
    if fmt == "xlsx":
        content = to_xlsx_book([("凭证", VOUCHER_HEADERS, vouchers), ("应收余额", RECEIVABLE_HEADERS, receivables)])
        rows = len(vouchers) + len(receivables)
    elif part == "vouchers":
        content, rows = to_csv(VOUCHER_HEADERS, vouchers), len(vouchers)
    else:
        content, rows = to_csv(RECEIVABLE_HEADERS, receivables), len(receivables)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditLog.Action.EXPORT,
            message=Message(
                gettext_noop("Exported the finance vouchers %(start)s – %(end)s (%(count)s rows)"),
                {"start": first.isoformat(), "end": last.isoformat(), "count": rows},
            ),
            changes={
                "export": [
                    None,
                    {
                        "what": "finance",
                        "part": part if fmt == "csv" else "all",
                        "format": fmt,
                        "rows": rows,
                        "start": first.isoformat(),
                        "end": last.isoformat(),
                    },
                ]
            },
        )
    name = f"finance-{part if fmt == 'csv' else 'vouchers'}-{first:%Y%m%d}-{last:%Y%m%d}.{fmt}"
    return content, FORMATS[fmt], name


def finance_summary(*, actor: User, start: Any = None, end: Any = None) -> dict[str, Any]:
    """What the export page shows before the download: the period, the vouchers' count and totals (debit and
    credit balance), and the first lines."""
    first, last = finance_period(start=start, end=end)
    lines = finance_vouchers(user=actor, start=first, end=last)
    debit = sum((line.debit for line in lines), ZERO)
    credit = sum((line.credit for line in lines), ZERO)
    return {
        "start": first,
        "end": last,
        "lines": lines,
        "vouchers": len({line.voucher_no for line in lines}),
        "debit": debit,
        "credit": credit,
    }
