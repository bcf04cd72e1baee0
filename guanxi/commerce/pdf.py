"""Print-ready quote PDF with reportlab's built-in CJK font (STSong-Light): company header, customer, lines,
totals in figures and in Chinese capitals (大写金额). Printed in Chinese, the language of the document."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any
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
from guanxi.org.models import CompanyProfile
from guanxi.org.selectors import company_profile

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


class _Styles:
    """The paragraph styles of the document, and `p(text, style)` to put text in one (escaped, line breaks kept)."""

    def __init__(self, font: str):
        self.base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=14)
        self.title = ParagraphStyle("title", parent=self.base, fontSize=18, leading=24, alignment=TA_CENTER)
        self.head = ParagraphStyle("head", parent=self.base, fontSize=13, leading=18)
        self.right = ParagraphStyle("right", parent=self.base, alignment=TA_RIGHT)
        self.cell = ParagraphStyle("cell", parent=self.base, fontSize=8.5, leading=11)
        self.cell_right = ParagraphStyle("cell_right", parent=self.cell, alignment=TA_RIGHT)

    def p(self, text: object, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style or self.base)


# Printed where the company settings were never set (org: company settings page; the quote page tells the admin).
SELLER_PLACEHOLDER = "（公司名称未设置：请管理员在“组织 · 公司信息”中填写）"


def seller_name(profile: CompanyProfile | None = None) -> str:
    """The seller's name as documents print it (a placeholder until an administrator sets it)."""
    profile = profile or company_profile()
    return profile.name if profile.is_set else SELLER_PLACEHOLDER


def seller_lines(profile: CompanyProfile) -> list[str]:
    """The seller's details under its name: address and phone, taxpayer ID, bank and account (those set)."""
    lines = [
        " · ".join(filter(None, [profile.address, profile.phone and f"电话 {profile.phone}"])),
        profile.tax_id and f"纳税人识别号 {profile.tax_id}",
        " · ".join(filter(None, [profile.bank_name and f"开户行 {profile.bank_name}",
                                 profile.bank_account and f"账号 {profile.bank_account}"])),
    ]  # fmt: skip
    return [line for line in lines if line]


def quote_pdf_bytes(quote: Quote) -> bytes:
    rules = company_profile()
    st = _Styles(_font())
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
        title=f"报价单 {quote.number}-V{quote.revision}", author=seller_name(rules),
    )  # fmt: skip
    story: list = [
        *_letterhead(st, rules),
        _info_table(st, quote),
        Spacer(1, 5 * mm),
        _lines_table(st, quote),
        Spacer(1, 4 * mm),
        _totals_table(st, quote),
        Spacer(1, 6 * mm),
        *_closing(st, quote, rules),
    ]
    doc.build(story)
    return buf.getvalue()


def _letterhead(st: _Styles, rules: CompanyProfile) -> list[Any]:
    p = st.p
    out: list[Any] = [p(seller_name(rules), st.head), *(p(line) for line in seller_lines(rules))]
    return [*out, Spacer(1, 4 * mm), p("报 价 单", st.title), Spacer(1, 4 * mm)]


def _info_table(st: _Styles, quote: Quote) -> Table:
    p = st.p
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
    return t


LINE_HEADINGS = (
    "序号", "产品编码", "产品名称", "单位", "数量", "单价", "折扣", "税率", "金额(不含税)", "税额", "价税合计",
)  # fmt: skip


def _lines_table(st: _Styles, quote: Quote) -> Table:
    p, cell, cell_right = st.p, st.cell, st.cell_right
    rows = [[p(h) for h in LINE_HEADINGS]]
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
    return lines_table


def _totals_table(st: _Styles, quote: Quote) -> Table:
    p, right = st.p, st.right
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
    return tt


def _closing(st: _Styles, quote: Quote, rules: CompanyProfile) -> list[Any]:
    """The terms, the validity sentence and the two signature blocks."""
    p = st.p
    out: list[Any] = []
    if quote.terms:
        out += [p("条款与说明", st.head), p(quote.terms), Spacer(1, 4 * mm)]
    out.append(p(f"本报价有效期至 {quote.valid_until.isoformat()}，价格以人民币计，含增值税。"))
    out.append(Spacer(1, 12 * mm))
    sign = Table(
        [[p(f"报价单位（盖章）：{seller_name(rules)}"), p("客户确认（签字/盖章）：")],
         [p("日期："), p("日期：")]],
        colWidths=[90 * mm, 90 * mm],
    )  # fmt: skip
    out.append(sign)
    return out
