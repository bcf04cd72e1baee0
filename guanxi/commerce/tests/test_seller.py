"""The seller on quote PDFs comes from the company settings (org.CompanyProfile); a placeholder until set, and the
quote page tells an administrator to set them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guanxi.commerce.pdf import SELLER_PLACEHOLDER, _letterhead, _Styles, seller_lines, seller_name
from guanxi.org import services
from guanxi.org.selectors import company_profile

pytestmark = pytest.mark.django_db

DETAILS = {
    "name": "华信科技集团有限公司",
    "address": "上海市浦东新区张江路 1000 号",
    "phone": "021-5080 8000",
    "tax_id": "91310115MA1H8X2026",
    "bank_name": "招商银行上海分行",
    "bank_account": "1219 0888 8888",
}


def test_pdf_letterhead_prints_the_seller_or_a_placeholder(org: Any) -> None:
    # never set: the placeholder, which says who fills it in
    assert seller_name() == SELLER_PLACEHOLDER
    # once set: the name, then address and phone, the taxpayer ID, the bank and account
    services.company_profile_update(actor=org["admin"], data=DETAILS)
    profile = company_profile()
    assert seller_lines(profile) == [
        "上海市浦东新区张江路 1000 号 · 电话 021-5080 8000",
        "纳税人识别号 91310115MA1H8X2026",
        "开户行 招商银行上海分行 · 账号 1219 0888 8888",
    ]
    head = [getattr(x, "text", "") for x in _letterhead(_Styles("Helvetica"), profile)]
    assert head[0] == "华信科技集团有限公司" and "纳税人识别号 91310115MA1H8X2026" in head


def test_quote_page_asks_the_admin_to_set_the_seller(org: Any, customer: Any, make_quote: Any) -> None:
    quote = make_quote(org["east_rep"], customer)
    admin = Client()
    admin.force_login(org["admin"])
    page = admin.get(f"/commerce/quotes/{quote.pk}/").content.decode()
    assert 'id="seller"' in page and 'href="/org/company/"' in page
    # once set, the quote page says nothing more about it
    services.company_profile_update(actor=org["admin"], data=DETAILS)
    assert 'id="seller"' not in admin.get(f"/commerce/quotes/{quote.pk}/").content.decode()
