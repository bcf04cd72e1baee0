"""Print-ready quote PDF with reportlab's built-in CJK font (STSong-Light): company header, customer, lines,
totals in figures and in Chinese capitals (大写金额). Printed in Chinese, the language of the document."""

from __future__ import annotations

import io
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from guanxi.core.money import amount_in_chinese_capitals

from .models import Quote
from .money import discount_label

FONT = "STSong-Light"
_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def quote_pdf_bytes(quote: Quote) -> bytes:
    from .services._common import policy

    font = _font()
    rules = policy()
    base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=14)
    title = ParagraphStyle("title", parent=base, fontSize=18, leading=24, alignment=TA_CENTER)
    head = ParagraphStyle("head", parent=base, fontSize=13, leading=18)
    right = ParagraphStyle("right", parent=base, alignment=TA_RIGHT)
    cell = ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11)
    cell_right = ParagraphStyle("cell_right", parent=cell, alignment=TA_RIGHT)

    def p(text: object, style: ParagraphStyle = base) -> Paragraph:
        return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
        title=f"报价单 {quote.number}-V{quote.revision}", author=rules.company_name,
    )  # fmt: skip
    story: list = [p(rules.company_name, head)]
    contact_line = " · ".join(filter(None, [rules.company_address, rules.company_phone]))
    if contact_line:
        story.append(p(contact_line))
    story += [Spacer(1, 4 * mm), p("报 价 单", title), Spacer(1, 4 * mm)]
    info = [
        [p("报价单号"), p(f"{quote.number}-V{quote.revision}"), p("报价日期"), p(quote.quote_date.isoformat())],
        [p("客户"), p(quote.customer.name), p("有效期至"), p(quote.valid_until.isoformat())],
        [p("联系人"), p(quote.contact.name if quote.contact else "—"), p("销售代表"), p(quote.owner)],
        [p("项目"), p(quote.title), p("币种"), p(quote.currency)],
    ]
    t = Table(info, colWidths=[22 * mm, 68 * mm, 22 * mm, 68 * mm])
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                           ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                           ("BACKGROUND", (2, 0), (2, -1), colors.whitesmoke)]))  # fmt: skip
    story += [t, Spacer(1, 5 * mm)]
    rows = [
        [
            p(h)
            for h in (
                "序号",
                "产品编码",
                "产品名称",
                "单位",
                "数量",
                "单价",
                "折扣",
                "税率",
                "金额(不含税)",
                "税额",
                "价税合计",
            )
        ]
    ]
    for line in quote.lines.select_related("product"):
        rows.append(
            [
                p(line.position, cell),
                p(line.product.code, cell),
                p(line.description, cell),
                p(line.unit, cell),
                p(f"{line.quantity.normalize():f}", cell_right),
                p(_money(line.unit_price), cell_right),
                p(discount_label(line.discount) if line.discount < 1 else "—", cell),
                p(f"{(line.tax_rate * 100).normalize():f}%", cell_right),
                p(_money(line.amount), cell_right),
                p(_money(line.tax), cell_right),
                p(_money(line.total), cell_right),
            ]
        )
    widths = [8, 19, 33, 9, 12, 18, 12, 10, 20, 19, 20]  # 180 mm: A4 less the margins
    lines_table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    lines_table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                     ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEF2F7")),
                                     ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))  # fmt: skip
    story += [lines_table, Spacer(1, 4 * mm)]
    totals = [
        [p("整单折扣"), p(discount_label(quote.overall_discount) if quote.overall_discount < 1 else "无", right)],
        [p("金额(不含税)"), p(f"¥ {_money(quote.subtotal)}", right)],
        [p("税额"), p(f"¥ {_money(quote.tax_total)}", right)],
        [p("价税合计"), p(f"¥ {_money(quote.total)}", right)],
        [p("大写金额"), p(f"人民币{amount_in_chinese_capitals(quote.total)}", right)],
    ]
    tt = Table(totals, colWidths=[30 * mm, 80 * mm], hAlign="RIGHT")
    tt.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                            ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke)]))  # fmt: skip
    story += [tt, Spacer(1, 6 * mm)]
    if quote.terms:
        story += [p("条款与说明", head), p(quote.terms), Spacer(1, 4 * mm)]
    story.append(p(f"本报价有效期至 {quote.valid_until.isoformat()}，价格以人民币计，含增值税。"))
    story.append(Spacer(1, 12 * mm))
    sign = Table(
        [[p(f"报价单位（盖章）：{rules.company_name}"), p("客户确认（签字/盖章）：")],
         [p("日期："), p("日期：")]],
        colWidths=[90 * mm, 90 * mm],
    )  # fmt: skip
    story.append(sign)
    doc.build(story)
    return buf.getvalue()
