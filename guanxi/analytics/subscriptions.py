"""Scheduled reports (定时报表): a person subscribes to the monthly management report, their dashboard's figures or
the usage league, daily, weekly or monthly; the worker's hourly job e-mails each one due, computed as that person
would see it (their own data scope), with the XLSX or PDF attached."""

from __future__ import annotations

import datetime as dt
import io
import logging
import smtplib
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import ApplicationError, NotFoundError, ValidationFailed
from guanxi.core.export import to_xlsx_book
from guanxi.core.i18n import Message
from guanxi.core.inputs import id_or_none
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record
from guanxi.org.models import User
from guanxi.org.policies import has_permission, require_permission

from .builder import run as builder_run
from .builder import saved_report_get, spec_of
from .models import ReportSubscription
from .ranking import league_for, league_visible_ids
from .relative import MONTHLY_CODES, RELATIVE_CODES, RELATIVE_PERIODS, relative_window
from .report import monthly_report, report_sheets
from .selectors import Window, default_scope, figures, window_for

log = logging.getLogger(__name__)
SEND_FROM_HOUR = 7  # local time: a subscription due today goes out with the first run from 07:00 on
Sheets = list[tuple[str, list[str], list[list[Any]]]]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def period_key(frequency: str, day: dt.date) -> str:
    """The schedule's period a day falls in: the day, its ISO week (sent on its first run, a Monday) or its month."""
    if frequency == ReportSubscription.Frequency.DAILY:
        return day.isoformat()
    if frequency == ReportSubscription.Frequency.WEEKLY:
        year, week, _weekday = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day:%Y-%m}"


def report_window(day: dt.date, period: str = "") -> Window:
    """The period a report sent on `day` covers: its relative period read that day (relative.py), or by default the
    month of the day before (on the 1st: the month just ended)."""
    if period:
        return relative_window(period, day)
    return window_for("month", day - dt.timedelta(days=1))


def periods_for(report: str) -> tuple[str, ...]:
    """The relative periods a report may cover: the management report and the league are months."""
    if report in (ReportSubscription.Report.MONTHLY, ReportSubscription.Report.LEAGUE):
        return MONTHLY_CODES
    if report == ReportSubscription.Report.BUILT:
        return ()  # a built report carries its own period
    return RELATIVE_CODES


# --- reads and writes of the subscriptions ---------------------------------------------------------------------
def subscriptions_of(*, user: User) -> QuerySet[ReportSubscription]:
    require_permission(user, "analytics.view")
    return ReportSubscription.objects.filter(user=user)


def _choice(data: Mapping[str, Any], key: str, choices: Any, errors: dict[str, list[str]]) -> str:
    value = str(data.get(key) or "").strip()
    if value not in choices.values:
        errors[key] = [_("Choose a valid option.")]
    return value


@transaction.atomic
def subscription_create(*, actor: User, data: Mapping[str, Any]) -> ReportSubscription:
    """Subscribe the actor to a report (report, frequency, fmt). The e-mail carries an export: analytics.export."""
    require_permission(actor, "analytics.export")
    errors: dict[str, list[str]] = {}
    report = _choice(data, "report", ReportSubscription.Report, errors)
    frequency = _choice(data, "frequency", ReportSubscription.Frequency, errors)
    fmt = _choice({"fmt": data.get("fmt") or "xlsx"}, "fmt", ReportSubscription.Format, errors)
    period = str(data.get("period") or "").strip()
    if period and "report" not in errors and period not in periods_for(report):
        errors["period"] = [_("Choose one of the periods offered for this report.")]
    if not errors and not actor.email:
        errors["report"] = [_("Your account has no e-mail address: add one to your profile first.")]
    saved = None
    if not errors and report == ReportSubscription.Report.BUILT:
        try:  # a built report the actor may open (their own, or shared with one of their roles)
            saved = saved_report_get(user=actor, pk=data.get("saved_report"))
        except NotFoundError:
            errors["saved_report"] = [_("Choose one of your reports.")]
    same = ReportSubscription.objects.filter(user=actor, report=report, frequency=frequency, saved_report=saved)
    if not errors and same.exists():
        errors["frequency"] = [_("You already receive this report on this schedule.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    row = ReportSubscription.objects.create(
        user=actor, report=report, frequency=frequency, fmt=fmt, saved_report=saved, period=period
    )
    audit_record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=row,
        changes={"report": report, "frequency": frequency, "fmt": fmt, "period": period}
        | ({"saved_report": saved.name} if saved else {}),
        message=Message(gettext_noop("Subscribed to a scheduled report")),
    )
    return row


@transaction.atomic
def subscription_delete(*, actor: User, pk: Any) -> None:
    """Stop one of the actor's own subscriptions (anyone else's is not found)."""
    require_permission(actor, "analytics.view")
    number = id_or_none(str(pk))
    row = ReportSubscription.objects.filter(pk=number, user=actor).first() if number else None
    if row is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    audit_record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        obj=row,
        changes={"report": row.report, "frequency": row.frequency},
        message=Message(gettext_noop("Stopped a scheduled report")),
    )
    row.delete()


# --- what is sent ------------------------------------------------------------------------------------------------
def _num(value: Any) -> Any:
    return float(value) if value is not None else ""


def report_content(
    *, user: User, report: str, window: Window, saved: Any = None, today: dt.date | None = None
) -> tuple[str, Sheets]:
    """The title and sheets of a report for a period as `user` sees it (a built report: as its filters and its own
    relative period read on `today` say, within the recipient's own data scope)."""
    if report == ReportSubscription.Report.BUILT and saved is not None:
        saved = saved_report_get(user=user, pk=saved.pk)  # still theirs or shared with them, or NotFoundError
        result = builder_run(user, spec_of(user, saved), today=today)
        return saved.name, [result.sheet()]
    if report == ReportSubscription.Report.MONTHLY:
        return _("Monthly management report") + f" {window.label}", report_sheets(
            monthly_report(user=user, window=window)
        )
    if report == ReportSubscription.Report.LEAGUE:
        league = league_for(user=user, window=window)
        visible = league_visible_ids(user)
        headers = [_("Rank"), _("Person"), _("Department"), _("Score")] + [
            str(label) for _k, label, _w in league.measures
        ]
        rows = [
            [r.rank, r.name, r.department, _num(r.score)] + [_num(r.values.get(k)) for k, _l, _w in league.measures]
            for r in league.rows
            if visible is None or r.user_id in visible or r.named
        ]
        return _("Usage league") + f" {window.label}", [(str(_("Usage league")), headers, rows)]
    scope = default_scope(user)
    headers = [_("Figure"), window.label, _("Previous period"), _("Change (%)"), _("A year ago")]
    rows = [
        [str(f.metric.label), _num(f.value), _num(f.previous), _num(f.change), _num(f.year_ago)]
        for f in figures(user=user, window=window, scope=scope)
    ]
    return _("Dashboard figures") + f" {window.label}", [(str(_("Figures")), [str(h) for h in headers], rows)]


def sheets_pdf(title: str, sheets: Sheets) -> bytes:
    """The sheets as tables in an A4 landscape PDF, in reportlab's built-in CJK font (as quotes print)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from guanxi.commerce.pdf import _font

    font = _font()
    heading = ParagraphStyle("h", fontName=font, fontSize=14, leading=18, spaceAfter=4 * mm)
    cell = ParagraphStyle("c", fontName=font, fontSize=7, leading=9)
    story: list[Any] = [Paragraph(escape(title), heading)]
    for name, headers, rows in sheets:
        story.append(Paragraph(escape(name), ParagraphStyle("s", parent=heading, fontSize=11, leading=14)))
        data = [[Paragraph(escape(str(c)), cell) for c in row] for row in [list(headers), *rows]]
        table = Table(data, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEF2F7")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [table, Spacer(1, 6 * mm)]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=landscape(A4), title=title, leftMargin=10 * mm, rightMargin=10 * mm).build(story)
    return buf.getvalue()


def attachment(title: str, sheets: Sheets, fmt: str, stem: str) -> tuple[bytes, str, str]:
    if fmt == ReportSubscription.Format.PDF:
        return sheets_pdf(title, sheets), "application/pdf", f"{stem}.pdf"
    return to_xlsx_book(sheets), XLSX, f"{stem}.xlsx"


# --- the worker's job --------------------------------------------------------------------------------------------
def subscriptions_send_due(*, now: dt.datetime | None = None) -> int:
    """Hourly: every subscription whose period has not been sent goes out (from 07:00 local), once per period."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if not settings.GUANXI_EMAIL_ENABLED or local.hour < SEND_FROM_HOUR:
        return 0
    sent = 0
    for row in ReportSubscription.objects.filter(user__is_active=True).select_related("user", "saved_report"):
        key = period_key(row.frequency, local.date())
        if row.frequency == ReportSubscription.Frequency.WEEKLY and local.weekday() != 0 and not row.last_period:
            continue  # a new weekly subscription starts on a Monday
        if row.last_period != key and _send_one(row, key, local.date(), now):
            sent += 1
    return sent


def _send_one(row: ReportSubscription, key: str, day: dt.date, now: dt.datetime) -> bool:
    claimed = ReportSubscription.objects.filter(pk=row.pk).exclude(last_period=key).update(last_period=key)
    if not claimed:  # another run took this period
        return False
    user = row.user
    if not user.email or not has_permission(user, "analytics.export"):
        return False  # the right or the address went since: nothing goes out
    window = report_window(day, row.period)
    with translation.override(getattr(user, "language", None) or settings.LANGUAGE_CODE):
        try:
            title, sheets = report_content(
                user=user, report=row.report, window=window, saved=row.saved_report, today=day
            )
        except ApplicationError:  # the built report's list or fields are no longer the recipient's
            log.warning("scheduled report %s cannot be built for its recipient", row.pk)
            return False
        content, content_type, filename = attachment(title, sheets, row.fmt, f"{row.report}-{window.date_from:%Y%m}")
        body = _("Your scheduled report is attached: %(title)s.") % {"title": title}
    mail = EmailMessage(title, body, None, [user.email])
    mail.attach(filename, content, content_type)
    try:
        mail.send(fail_silently=False)
    except (smtplib.SMTPException, OSError):  # the next hourly run tries again
        log.exception("could not e-mail scheduled report %s", row.pk)
        ReportSubscription.objects.filter(pk=row.pk).update(last_period=row.last_period)
        return False
    ReportSubscription.objects.filter(pk=row.pk).update(last_sent_at=now)
    audit_record(
        actor=user,
        action=AuditLog.Action.EXPORT,
        obj=row,
        changes={"report": row.report, "month": window.label, "format": row.fmt},
        message=Message(gettext_noop("Sent a scheduled report by e-mail")),
    )
    return True


def choices() -> dict[str, Sequence[tuple[str, Any]]]:
    return {
        "reports": [c for c in ReportSubscription.Report.choices if c[0] != ReportSubscription.Report.BUILT],
        "frequencies": ReportSubscription.Frequency.choices,
        "formats": ReportSubscription.Format.choices,
        "periods": RELATIVE_PERIODS,
    }
