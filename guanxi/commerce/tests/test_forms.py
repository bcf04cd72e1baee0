"""The web forms of commerce: they read what people type (separators, %, 折) and a refusal keeps the input."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from guanxi.commerce.models import Contract, Product

pytestmark = pytest.mark.django_db


def _web(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_product_form_reads_separators_and_percent(org: Any) -> None:
    # given an administrator on the product form
    web = _web(org["admin"])
    # when a price is typed with a thousands separator and the tax rate with "%"
    body = {"code": "F-1", "name": "表单产品", "unit": "套", "list_price": "12,800.00", "tax_rate": "6%"}
    body["is_active"] = "on"
    response = web.post("/commerce/products/new/", body)
    # then the product is saved with the numbers meant
    assert response.status_code == 302, response.content.decode()[:500]
    product = Product.objects.get(code="F-1")
    assert (product.list_price, product.tax_rate) == (Decimal("12800.00"), Decimal("0.0600"))


def test_a_refused_contract_form_names_the_field_and_keeps_the_input(org: Any, customer: Any) -> None:
    # given a rep on a blank contract for their customer
    web = _web(org["east_rep"])
    body = {"customer": customer.pk, "title": "表单合同", "amount": "十万", "min_discount": "10"}
    # when the amount is not a number / then the form comes back with the error on it and the title kept
    response = web.post(f"/commerce/contracts/new/?customer={customer.pk}", body)
    page = response.content.decode()
    assert response.status_code == 400 and 'value="表单合同"' in page and "is-invalid" in page
    assert not Contract.objects.exists()


def test_a_refused_settings_value_is_named_and_nothing_changes(org: Any) -> None:
    from guanxi.commerce.selectors import commerce_policy

    # given the administrator on the commerce settings
    web = _web(org["admin"])
    before = commerce_policy().quote_valid_days
    # when the validity is not a whole number
    body = {"quote_valid_days": "三十", "special_price_followup_days": "30"}
    response = web.post("/commerce/settings/", body, follow=True)
    # then the page says which setting was refused, and nothing changed
    assert "Quote valid for (days)" in response.content.decode()
    assert commerce_policy().quote_valid_days == before


def test_price_book_and_product_line_forms(org: Any, products: list[Any]) -> None:
    from guanxi.commerce.models import PriceBook, PriceBookEntry, ProductLine

    web = _web(org["admin"])
    # a new product line from its one-field form stays active
    assert web.post("/commerce/products/lines/", {"name": "Form line"}).status_code == 302
    assert ProductLine.objects.get(name="Form line").is_active
    # a price book with a price typed with a separator; a blank price is no entry
    body = {"name": "表单价目表", "is_active": "on", f"price-{products[0].pk}": "8,500", f"price-{products[1].pk}": ""}
    response = web.post("/commerce/price-books/new/", body)
    assert response.status_code == 302
    book = PriceBook.objects.get(name="表单价目表")
    assert list(PriceBookEntry.objects.filter(price_book=book).values_list("price", flat=True)) == [Decimal("8500.00")]
    # a price that is not a number is refused, naming the product, and nothing changes
    body[f"price-{products[0].pk}"] = "八千"
    response = web.post(f"/commerce/price-books/{book.pk}/", body, follow=True)
    assert "SW-STD" in response.content.decode()
    assert PriceBookEntry.objects.get(price_book=book).price == Decimal("8500.00")
