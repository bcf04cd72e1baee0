"""The documents of the transaction chain as PDFs, drawn like the purchase plan (pdf.py, reportlab, the reader's
language): the unit selection confirmation (选房确认单), the subscription (认购书: agreed price, scheme, discounts,
deposit, dates, the schedule) and the receipt (收据, with the amount in Chinese capitals)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from guanxi.commerce.pdf import seller_name
from guanxi.core.money import amount_in_chinese_capitals

from .pdf import SCHEDULE_LABELS, _font, _money

GRID = TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.grey), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")])
DUE_LABELS = {**SCHEDULE_LABELS, "deposit": "Subscription deposit"}


class _Doc:
    def __init__(self) -> None:
        font = _font()
        self.base = ParagraphStyle("base", fontName=font, fontSize=10, leading=15)
        self.title = ParagraphStyle("title", parent=self.base, fontSize=17, leading=24, alignment=TA_CENTER)
        self.right = ParagraphStyle("right", parent=self.base, alignment=TA_RIGHT)

    def p(self, text: object, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(escape(str(text)), style or self.base)

    def pairs(self, rows: list[tuple[str, object]], widths: tuple[float, float] = (60, 110)) -> Table:
        return Table([[self.p(k), self.p(v)] for k, v in rows], colWidths=[w * mm for w in widths], style=GRID)

    def signatures(self) -> Table:
        return Table([[self.p(_("Buyer (signature)") + ":"), self.p(_("Sales agent") + ":"),
                       self.p(_("Developer (seal)") + ":")]], colWidths=[58 * mm] * 3)  # fmt: skip

    def build(self, story: list[Any], *, title: str, pagesize: Any = A4) -> bytes:
        out = io.BytesIO()
        story = [*story, Spacer(1, 4 * mm), self.p(f"{_('Printed')} {timezone.localtime():%Y-%m-%d %H:%M}")]
        SimpleDocTemplate(out, pagesize=pagesize, leftMargin=15 * mm, rightMargin=15 * mm, title=title).build(story)
        return out.getvalue()


def _unit_rows(trade: Any) -> list[tuple[str, object]]:
    unit = trade.unit
    return [
        (_("Project"), unit.building.project.name),
        (pgettext("real estate", "Unit"), f"{unit.building.name} {unit.code}"),
        (_("Layout"), unit.layout or "—"),
        (_("Built-up area"), f"{unit.built_area} m²"),
        (_("Buyer"), trade.customer.name),
        (_("Sales agent"), trade.agent.get_full_name() or trade.agent.username),
    ]


def selection_pdf(*, trade: Any) -> bytes:
    """选房确认单: the buyer, the unit and its list price, the scheme they lean to, the date."""
    d = _Doc()
    rows = [(pgettext("document", "Number"), trade.selection_number or trade.number), *_unit_rows(trade),
            (_("List price"), _money(trade.list_price) if trade.list_price is not None else "—"),
            (_("Payment scheme"), trade.scheme.name if trade.scheme else "—"),
            (_("Selected on"), trade.selected_on.isoformat() if trade.selected_on else "—")]  # fmt: skip
    story = [
        d.p(seller_name()), d.p(_("Unit selection confirmation"), d.title), Spacer(1, 4 * mm), d.pairs(rows),
        Spacer(1, 4 * mm), d.p(_("The unit is kept for the buyer only once a small deposit or subscription is made.")),
        Spacer(1, 12 * mm), d.signatures(),
    ]  # fmt: skip
    return d.build(story, title=str(trade.selection_number or trade.number))


def subscription_pdf(*, trade: Any, subscription: Any, dues: list[Any]) -> bytes:
    """认购书: the agreed price after each discount in order, the scheme, the deposit, the dates and the schedule."""
    d = _Doc()
    rows = [(pgettext("document", "Number"), subscription.number), *_unit_rows(trade),
            (_("Payment scheme"), f"{subscription.scheme.name} ({subscription.scheme.get_kind_display()})"),
            (_("List price"), _money(subscription.list_price))]  # fmt: skip
    for line in subscription.discount_lines:
        name = _("Payment scheme discount") if line["kind"] == "scheme" else line["name"]
        before, after = _money(Decimal(line["before"])), _money(Decimal(line["after"]))
        rows.append((f"{name} ({line['value']})", f"{before} → {after}"))
    rows += [
        (_("Agreed price"), _money(subscription.agreed_price)),
        (_("Amount in words"), amount_in_chinese_capitals(subscription.agreed_price)),
        (_("Subscription deposit"), _money(subscription.deposit_amount)),
        (_("Subscribed on"), subscription.subscribed_on.isoformat()),
        (_("Contract to be signed by"), subscription.sign_by.isoformat()),
    ]  # fmt: skip
    schedule = [[d.p(_("Payment")), d.p(_("Due")), d.p(_("Amount"), d.right)]] + [
        [d.p(_(DUE_LABELS.get(due.kind, due.kind))), d.p(due.due_on.isoformat()), d.p(_money(due.amount), d.right)]
        for due in dues
    ]
    story = [
        d.p(seller_name()), d.p(_("Subscription agreement"), d.title), Spacer(1, 4 * mm), d.pairs(rows),
        Spacer(1, 4 * mm), d.p(_("Payment schedule")),
        Table(schedule, colWidths=[70 * mm, 40 * mm, 60 * mm], style=GRID), Spacer(1, 4 * mm),
        d.p(_("The buyer signs the purchase contract by the date above; the deposit counts towards the price.")),
        Spacer(1, 12 * mm), d.signatures(),
    ]  # fmt: skip
    return d.build(story, title=str(subscription.number))


def receipt_pdf(*, receipt: Any) -> bytes:
    """收据 (or a refund voucher): number, payer, what for, the amount in figures and in Chinese capitals."""
    d = _Doc()
    trade = receipt.trade
    title = _("Refund voucher") if receipt.kind == "refund" else _("Receipt")
    rows = [
        (pgettext("document", "Number"), receipt.number), (_("Date"), receipt.received_on.isoformat()),
        (_("Payer"), receipt.payer or trade.customer.name),
        (_("For"), f"{receipt.get_kind_display()} · {trade.unit.building.project.name} {trade.unit.building.name} "
                   f"{trade.unit.code}"),
        (_("Payment method"), receipt.get_method_display()),
        (_("Amount"), _money(receipt.amount)), (_("Amount in words"), amount_in_chinese_capitals(receipt.amount)),
    ]  # fmt: skip
    if receipt.notes:
        rows.append((_("Notes"), receipt.notes))
    story = [d.p(seller_name()), d.p(title, d.title), Spacer(1, 3 * mm), d.pairs(rows, (45, 130)),
             Spacer(1, 8 * mm), d.p(f"{_('Cashier')}: {receipt.created_by or ''}")]  # fmt: skip
    return d.build(story, title=str(receipt.number), pagesize=landscape(A5))
