"""The monthly management report (月度经营报告, 000 §十 and REQUIREMENTS §10): contract and collection amounts by
department over the last six months; per person new customers, new opportunities, level distribution, contact
frequency, funnel progress, won and lost (with reasons), contracts and collections; the month against the previous
one and a year ago; export as XLSX (formula-safe) or PDF, audited. Every figure is a registered metric, read with the
reader's own data scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import ValidationFailed
from guanxi.core.export import to_xlsx_book
from guanxi.core.i18n import Message
from guanxi.core.metrics import EMPTY_GROUP
from guanxi.core.models import AuditLog
from guanxi.core.registry import Metric
from guanxi.core.services import audit_record
from guanxi.org.models import Department, User
from guanxi.org.policies import require_permission

from .selectors import (
    ZERO,
    FigureRow,
    Window,
    compute,
    compute_series,
    default_scope,
    figures,
    no_figure,
    records_url,
    require_view,
    visible_metrics,
)

MONTHS = 6
DEPARTMENT_METRICS = ("signed_contract_amount", "collected_amount")
PEOPLE_METRICS = (
    "new_customers",
    "new_opportunities",
    "follow_ups",
    "contact_frequency",
    "funnel_progress",
    "won_count",
    "won_amount",
    "lost_count",
    "signed_contract_amount",
    "collected_amount",
)
SUMMARY_METRICS = (
    "signed_contract_amount",
    "collected_amount",
    "new_customers",
    "new_opportunities",
    "follow_ups",
    "won_amount",
    "receivables",
)


@dataclass
class Cell:
    value: Decimal | None  # None ("—"): a ratio with nothing to divide by (no customer contacted)
    url: str = ""
    label: str = ""


def _records(metric: Metric | None, window: Window, **keys: Any) -> str:
    return records_url(metric, window, **keys) if metric is not None else ""


@dataclass
class MonthlyReport:
    window: Window
    months: list[Window]
    summary: list[FigureRow]
    # metric key -> [(department id, name, [Cell per month])]
    departments: dict[str, list[tuple[Any, str, list[Cell]]]]
    department_labels: dict[str, Any]
    people_columns: list[tuple[str, Any, str]]  # (metric key, label, unit)
    people: list[dict[str, Any]]  # {"id", "name", "cells": {key: Cell}, "levels": {code: n}, "reasons": {...}}
    levels: list[tuple[Any, Any]] = field(default_factory=list)  # (code, label)
    reasons: list[tuple[Any, Any]] = field(default_factory=list)  # (id, label)

    def chart(self) -> dict[str, Any]:
        def totals(key: str) -> list[float]:
            rows = self.departments.get(key, [])
            return [float(sum((r[2][i].value or ZERO for r in rows), ZERO)) for i in range(len(self.months))]

        return {
            "months": [m.label for m in self.months],
            "series": [
                {"name": str(self.department_labels.get(key, key)), "data": totals(key)} for key in DEPARTMENT_METRICS
            ],
        }


def _months(window: Window) -> list[Window]:
    result = [window]
    while len(result) < MONTHS:
        result.insert(0, result[0].previous)
    return result


def monthly_report(*, user: User, window: Window) -> MonthlyReport:
    require_view(user)
    known = {m.key: m for m in visible_metrics(user)}
    months = _months(window)
    departments: dict[str, list[tuple[Any, str, list[Cell]]]] = {}
    dept_names = dict(Department.objects.values_list("pk", "name"))
    for key in DEPARTMENT_METRICS:
        metric = known.get(key)
        if metric is None:
            continue
        per_month = compute_series(metric, user=user, windows=months, group_by="department")
        ids = sorted({k for values in per_month for k in values}, key=lambda k: str(dept_names.get(k, "")))
        departments[key] = [
            (
                dept,
                dept_names.get(dept, _("No department")),
                [
                    Cell(values.get(dept, ZERO), records_url(metric, m, department=dept), m.label)
                    for values, m in zip(per_month, months, strict=True)
                ],
            )
            for dept in ids
        ]
    columns = [(k, known[k].label, known[k].unit) for k in PEOPLE_METRICS if k in known]
    per_person: dict[str, dict[Any, Decimal]] = {
        key: compute(known[key], user=user, window=window, group_by="owner") for key, _l, _u in columns
    }
    levels: dict[Any, Decimal] = {}
    level_metric = known.get("customers_by_level")
    if level_metric is not None:
        levels = compute(level_metric, user=user, window=window, group_by="owner+level")
    reasons: dict[Any, Decimal] = {}
    lost_metric = known.get("lost_count")
    if lost_metric is not None:
        reasons = compute(lost_metric, user=user, window=window, group_by="owner+reason")
    people_ids: set[Any] = {k for values in per_person.values() for k in values if k is not None}
    people_ids |= {owner for owner, _code in levels} | {owner for owner, _r in reasons}
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=people_ids)}
    level_codes = sorted({code for _o, code in levels if code})
    reason_ids = sorted({r for _o, r in reasons}, key=lambda r: (r is None, r or 0))
    people = []
    for pk in sorted(people_ids, key=lambda p: names.get(p, "")):
        people.append(
            {
                "id": pk,
                "name": names.get(pk, "—"),
                "cells": {
                    key: Cell(per_person[key].get(pk, no_figure(known[key])), records_url(known[key], window, owner=pk))
                    for key, _l, _u in columns
                },
                "levels": [
                    Cell(levels.get((pk, code), ZERO), _records(level_metric, window, owner=pk, group=code))
                    for code in level_codes
                ],
                "reasons": [
                    Cell(
                        reasons.get((pk, r), ZERO),
                        _records(lost_metric, window, owner=pk, group=r if r is not None else EMPTY_GROUP),
                    )
                    for r in reason_ids
                ],
            }
        )
    # the summary covers whom the tables cover: the reader's widest scope (a department manager: the department)
    summary = figures(user=user, window=window, scope=default_scope(user), keys=SUMMARY_METRICS)
    return MonthlyReport(
        window=window,
        months=months,
        summary=summary,
        departments=departments,
        department_labels={k: known[k].label for k in DEPARTMENT_METRICS if k in known},
        people_columns=columns,
        people=people,
        levels=[
            (c, level_metric.group_label("level", c) if level_metric and level_metric.group_label else c)
            for c in level_codes
        ],
        reasons=[
            (r, lost_metric.group_label("reason", r) if lost_metric and lost_metric.group_label else r)
            for r in reason_ids
        ],
    )


def _num(value: Decimal | None) -> Any:
    return float(value) if value is not None else ""


def report_sheets(data: MonthlyReport) -> list[tuple[str, list[str], list[list[Any]]]]:
    summary = [[str(r.metric.label), _num(r.value), _num(r.previous), _num(r.year_ago)] for r in data.summary]
    sheets: list[tuple[str, list[str], list[list[Any]]]] = [
        (
            str(_("Summary")),
            [str(_("Figure")), data.window.label, str(_("Previous month")), str(_("A year ago"))],
            summary,
        )
    ]
    for key, rows in data.departments.items():
        sheets.append(
            (
                str(data.department_labels.get(key, key)),
                [str(_("Department")), *[m.label for m in data.months]],
                [[name, *[_num(c.value) for c in cells]] for _id, name, cells in rows],
            )
        )
    people_headers = [str(_("Person")), *[str(label) for _k, label, _u in data.people_columns]]
    people_headers += [f"{_('Level')} {label}" for _c, label in data.levels]
    people_headers += [f"{_('Lost')}: {label}" for _r, label in data.reasons]
    sheets.append(
        (
            str(_("People")),
            people_headers,
            [
                [p["name"], *[_num(p["cells"][k].value) for k, _l, _u in data.people_columns]]
                + [_num(c.value) for c in p["levels"]]
                + [_num(c.value) for c in p["reasons"]]
                for p in data.people
            ],
        )
    )
    return sheets


def report_export(*, actor: User, data: MonthlyReport, fmt: str) -> tuple[bytes, str, str]:
    """The report as an XLSX workbook (one sheet per table, formula-safe) or a PDF (one table per sheet);
    analytics.export, one audit row."""
    require_permission(actor, "analytics.export")
    if fmt not in ("xlsx", "pdf"):
        raise ValidationFailed(_("Choose a valid export format."), fields={"export": [_("Choose xlsx or pdf.")]})
    sheets = report_sheets(data)
    if fmt == "pdf":
        from .subscriptions import sheets_pdf

        content = sheets_pdf(_("Monthly management report") + f" {data.window.label}", sheets)
    else:
        content = to_xlsx_book(sheets)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditLog.Action.EXPORT,
            changes={"report": "analytics_monthly", "month": data.window.label, "format": fmt},
            message=Message(gettext_noop("Exported the monthly management report")),
        )
    name = f"management-report-{data.window.date_from:%Y%m}.{fmt}"
    if fmt == "pdf":
        return content, "application/pdf", name
    return content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name
