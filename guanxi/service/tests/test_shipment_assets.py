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
