"""The purchase plan (置业计划) as a PDF, drawn with reportlab in the reader's language, like commerce's quotes."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from guanxi.commerce.pdf import FONT, seller_name

SCHEDULE_LABELS = {"down_payment": "Down payment", "full_payment": "Full payment", "instalment": "Instalment",
                   "loan_provident": "Provident fund loan", "loan_commercial": "Commercial loan"}  # fmt: skip


def _money(value: Any) -> str:
    return f"¥{value:,.2f}"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def purchase_plan_pdf(*, unit: Any, scheme: Any, plan: Any, start: Any) -> bytes:
    font = _font()
    base = ParagraphStyle("base", fontName=font, fontSize=10, leading=15)
    title = ParagraphStyle("title", parent=base, fontSize=17, leading=24, alignment=TA_CENTER)
    right = ParagraphStyle("right", parent=base, alignment=TA_RIGHT)

    def p(text: object, style: ParagraphStyle = base) -> Paragraph:
        return Paragraph(escape(str(text)), style)

    project = unit.building.project
    rows: list[list[Any]] = [[p(_("List price")), p(_money(plan.discounted.list_price), right)]]
    for line in plan.discounted.lines:
        name = _("Payment scheme discount") if line.step.kind == "scheme" else line.step.name
        rows.append([p(f"{name} ({line.step.value})"), p(f"−{_money(line.off)} → {_money(line.after)}", right)])
    rows.append([p(_("Total price")), p(_money(plan.total), right)])
    rows.append([p(_("Down payment")), p(_money(plan.down_payment), right)])
    for loan in plan.loans:
        label = _("Provident fund loan") if loan.kind == "provident" else _("Commercial loan")
        rows += [
            [p(f"{label} {loan.rate}% · {loan.months} {_('months')}"), p(_money(loan.principal), right)],
            [p(_("Equal principal and interest: monthly")), p(_money(loan.monthly_equal_instalment), right)],
            [p(_("Equal principal: first month, then less each month by")),
             p(f"{_money(loan.first_month_equal_principal)} / {_money(loan.monthly_decrease)}", right)],
        ]  # fmt: skip
    schedule = [[p(_("Payment")), p(_("Due")), p(_("Amount"), right)]] + [
        [p(_(SCHEDULE_LABELS.get(what, what))), p(due.isoformat()), p(_money(amount), right)]
        for what, due, amount in plan.schedule
    ]
    reference = _("For reference only: the contract's price and the bank's approval decide. Printed")
    grid = TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.grey), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")])
    story = [
        p(seller_name()), p(f"{project.name} · {_('Purchase plan')}", title), Spacer(1, 4 * mm),
        p(f"{_('Unit')}: {unit.building.name} {unit.code} · {unit.layout or ''} · {unit.built_area} m²"),
        p(f"{_('Payment scheme')}: {scheme.name} ({scheme.get_kind_display()}) · "
          f"{_('Signing date')}: {start.isoformat()}"),
        Spacer(1, 3 * mm), Table(rows, colWidths=[110 * mm, 60 * mm], style=grid), Spacer(1, 5 * mm),
        p(_("Payment schedule")), Table(schedule, colWidths=[70 * mm, 40 * mm, 60 * mm], style=grid), Spacer(1, 4 * mm),
        p(f"{reference} {timezone.localtime():%Y-%m-%d %H:%M}"),
    ]  # fmt: skip
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, title=str(project.name)).build(story)
    return out.getvalue()
