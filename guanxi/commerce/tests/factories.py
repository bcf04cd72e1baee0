from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from guanxi.commerce.models import PriceBook, Product, ProductLine


class ProductLineFactory(DjangoModelFactory):
    class Meta:
        model = ProductLine

    name = factory.Sequence(lambda n: f"产品线{n}")
    code = factory.Sequence(lambda n: f"line-{n}")


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"P-{n:04d}")
    name = factory.Sequence(lambda n: f"产品{n}")
    line = factory.SubFactory(ProductLineFactory)
    unit = "套"
    list_price = Decimal("10000.00")
    tax_rate = Decimal("0.1300")


class PriceBookFactory(DjangoModelFactory):
    class Meta:
        model = PriceBook

    name = factory.Sequence(lambda n: f"渠道价{n}")
