"""Exports of the receivables, the ageing report and the monthly statement: formula-safe CSV/XLSX
(guanxi.core.export), each one audited (who exported what, with the row count)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from guanxi.core.errors import ValidationFailed
from guanxi.core.export import to_csv, to_xlsx
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record
from guanxi.org.models import User
from guanxi.org.policies import require_permission

from .. import selectors

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _render(
    *, actor: User, what: str, headers: list[str], rows: list[list[Any]], fmt: str, params: dict[str, Any]
) -> tuple[bytes, str, str]:
    if fmt not in FORMATS:
        raise ValidationFailed(_("Choose CSV or XLSX."), fields={"fmt": [_("Choose CSV or XLSX.")]})
    content = to_csv(headers, rows) if fmt == "csv" else to_xlsx(headers, rows, sheet=what)
    audit_record(
        actor=actor,
        action=AuditLog.Action.EXPORT,
        message=Message(gettext_noop("Exported %(what)s (%(count)s rows)"), {"what": what, "count": len(rows)}),
        changes={"export": [None, {"what": what, "rows": len(rows), "format": fmt, **params}]},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return content, FORMATS[fmt], f"{what}-{stamp}.{fmt}"


def receivables_export(*, actor: User, group: str, params: Any, fmt: str = "xlsx") -> tuple[bytes, str, str]:
    """Balance due per contract / customer / owner / department (payments.export, its scope)."""
    require_permission(actor, "payments.export")
    money = [_("Contract amount"), _("Invoiced"), _("Collected"), _("Balance due"), _("Overdue")]
    if group == "contract":
        contracts: list[Any] = list(selectors.receivable_contracts(user=actor, filters=params, action="export"))
        headers = [_("Contract number"), _("Contract"), _("Customer"), _("Owner"), *money]
        rows = [
            [
                c.number,
                c.title,
                c.customer.name,
                str(c.owner),
                c.amount,
                c.invoiced,
                c.collected,
                c.balance_due,
                c.overdue,
            ]
            for c in contracts
        ]
    else:
        groups, _total = selectors.receivables_by(user=actor, group=group, filters=params, action="export")
        headers = [str(selectors.GROUP_LABELS[group]), _("Contracts"), *money]
        rows = [
            [
                g.name,
                g.totals.contracts,
                g.totals.amount,
                g.totals.invoiced,
                g.totals.collected,
                g.totals.balance_due,
                g.totals.overdue,
            ]
            for g in groups
        ]
    return _render(actor=actor, what="receivables", headers=headers, rows=rows, fmt=fmt, params={"group": group})


def ageing_export(
    *, actor: User, group: str, today: dt.date | None = None, fmt: str = "xlsx"
) -> tuple[bytes, str, str]:
    require_permission(actor, "payments.export")
    report = selectors.ageing_report(user=actor, group=group, today=today, action="export")
    headers = [str(selectors.GROUP_LABELS[group])] + [str(label) for _k, label in report["buckets"]] + [_("Total")]
    rows = [[r["name"]] + [r[k] for k, _label in report["buckets"]] + [r["total"]] for r in report["rows"]]
    return _render(
        actor=actor,
        what="ageing",
        headers=headers,
        rows=rows,
        fmt=fmt,
        params={"group": group, "today": str(report["today"])},
    )


def statement_export(*, actor: User, month: str | None, fmt: str = "xlsx") -> tuple[bytes, str, str]:
    require_permission(actor, "payments.export")
    selectors.require_statement_access(actor)
    data = selectors.monthly_statement(user=actor, month=month, action="export")
    headers = [_("Customer"), _("Opening balance"), _("Invoiced"), _("Collected"), _("Closing balance")]
    rows = [[r["customer"], r["opening"], r["invoiced"], r["collected"], r["closing"]] for r in data["rows"]]
    return _render(
        actor=actor, what="statement", headers=headers, rows=rows, fmt=fmt, params={"month": f"{data['month']:%Y-%m}"}
    )


def expense_claims_export(*, actor: User, params: Any, fmt: str = "xlsx") -> tuple[bytes, str, str]:
    """The expense claims of the list (its filters), one row per line (expenses.export, its scope)."""
    from ..models import ExpenseLine

    require_permission(actor, "expenses.export")
    claims = selectors.expense_claim_list(user=actor, filters=params, action="export")
    lines = (
        ExpenseLine.objects.filter(claim__in=claims)
        .select_related("claim", "claim__claimant", "claim__customer")
        .order_by("-claim__created_at", "claim_id", "position")
    )
    headers = [
        pgettext("expense claim", "Claim"),
        _("Claimant"),
        _("Customer"),
        _("Status"),
        _("Category"),
        _("Date"),
        _("Amount"),
        _("Note"),
    ]
    rows = [
        [
            line.claim.title,
            str(line.claim.claimant),
            line.claim.customer.name,
            line.claim.get_status_display(),
            line.get_category_display(),
            line.spent_on,
            line.amount,
            line.note,
        ]
        for line in lines
    ]
    return _render(actor=actor, what="expense-claims", headers=headers, rows=rows, fmt=fmt, params={})
