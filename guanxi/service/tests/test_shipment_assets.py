"""A shipment of an execution order gives the customer's assets: one per shipped line, once, in force from the
shipping date, linked to the order, its contract and the product."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from guanxi.commerce.models import Contract, ExecutionOrder, ExecutionOrderLine, Shipment, ShipmentLine
from guanxi.commerce.tests.factories import ProductFactory
from guanxi.core.models import AuditLog
from guanxi.service.models import Asset
from guanxi.service.shipments.services import assets_from_shipments

pytestmark = pytest.mark.django_db


def test_each_shipped_line_becomes_an_asset_once(people, customer):
    rep = people["east_rep"]
    product = ProductFactory(code="HX-9000", name="华信 HX-9000 服务器")
    contract = Contract.objects.create(
        number="HT-T-1", title="服务器采购", customer=customer, owner=rep, status=Contract.Status.SIGNED,
        amount=Decimal("100000.00"),
    )  # fmt: skip
    order = ExecutionOrder.objects.create(number="ZX-T-1", contract=contract, customer=customer, owner=rep)
    line = ExecutionOrderLine.objects.create(order=order, product=product, unit="台", quantity=Decimal("2"))
    shipment = Shipment.objects.create(order=order, shipped_on=dt.date(2026, 11, 20), created_by=rep)
    ShipmentLine.objects.create(shipment=shipment, order_line=line, quantity=Decimal("2"))
    assert assets_from_shipments() == 1
    assert assets_from_shipments() == 0
    asset = Asset.objects.get()
    assert (asset.customer, asset.product, asset.order, asset.contract) == (customer, product, order, contract)
    assert asset.starts_on == dt.date(2026, 11, 20) and asset.name == "华信 HX-9000 服务器" and "2 台" in asset.notes
    assert AuditLog.objects.filter(object_id=str(asset.pk), action="create", customer_id=customer.pk).exists()


def test_a_shipped_product_with_a_term_gives_the_asset_its_end_date_and_a_renewal_when_near(people, customer):
    from guanxi.service.renewals.models import Renewal
    from guanxi.service.shipments.services import term_end

    rep = people["east_rep"]
    # given a 12-month warranty product and a 1-month service product, shipped on one order
    yearly = ProductFactory(code="HX-W12", name="带一年保修的设备", term_months=12)
    monthly = ProductFactory(code="HX-S1", name="一个月服务", term_months=1)
    contract = Contract.objects.create(
        number="HT-T-2", title="设备与服务", customer=customer, owner=rep, status=Contract.Status.SIGNED,
        amount=Decimal("1000.00"),
    )  # fmt: skip
    order = ExecutionOrder.objects.create(number="ZX-T-2", contract=contract, customer=customer, owner=rep)
    shipped_on = dt.date.today()
    shipment = Shipment.objects.create(order=order, shipped_on=shipped_on, created_by=rep)
    for product in (yearly, monthly):
        line = ExecutionOrderLine.objects.create(order=order, product=product, unit="台", quantity=Decimal("1"))
        ShipmentLine.objects.create(shipment=shipment, order_line=line, quantity=Decimal("1"))
    # when the shipment becomes assets
    assert assets_from_shipments() == 2
    # then each ends with its term, and only the one ending within the renewal window has its renewal already
    long, short = Asset.objects.get(product=yearly), Asset.objects.get(product=monthly)
    assert long.ends_on == term_end(shipped_on, 12) and short.ends_on == term_end(shipped_on, 1)
    assert term_end(dt.date(2026, 1, 15), 12) == dt.date(2027, 1, 14)
    assert term_end(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 27)
    assert list(Renewal.objects.values_list("asset_id", flat=True)) == [short.pk]
    assert AuditLog.objects.filter(object_id=str(Renewal.objects.get().pk), action="create", actor=rep).exists()


def test_the_product_term_is_entered_on_the_product_in_months(people, client):
    from guanxi.commerce.services import product_create, product_update
    from guanxi.core.errors import ValidationFailed

    admin = people["admin"]
    product = ProductFactory(code="HX-T", name="保修测试")
    product = product_update(actor=admin, product=product, data={"term_months": "24"})
    assert product.term_months == 24
    for bad in ("0", "1.5", "abc", "601"):
        with pytest.raises(ValidationFailed) as refused:
            product_update(actor=admin, product=product, data={"term_months": bad})
        assert "term_months" in refused.value.fields
    assert product_create(actor=admin, data={"code": "HX-N", "name": "无期限", "list_price": "1"}).term_months is None
