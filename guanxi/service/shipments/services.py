"""Assets from shipments (发货生成客户资产): each line of an execution order's shipment becomes an asset of the
order's customer — the product, the order and its contract, in force from the shipping date to the end of the
product's warranty / service term (Product.term_months), its renewal opened at once when that end is near — so
after-sales service knows what the customer holds without retyping it. The worker does it once per shipment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from guanxi.billing.services.plans import add_months
from guanxi.core.i18n import Message
from guanxi.core.services import audit_record

from ..models import Asset
from ..renewals.services import renewal_open_for
from ..services import asset_search_text
from .models import ShipmentAssets

BATCH = 200


def term_end(starts_on: dt.date, months: int | None) -> dt.date | None:
    """The last day of a term of `months` from `starts_on` (a 12-month warranty from 15 Jan ends on 14 Jan);
    None without a term."""
    return add_months(starts_on, months) - dt.timedelta(days=1) if months else None


def assets_from_shipment(shipment: Any) -> int:
    """The assets of one shipment (one per shipment line), unless it was done already. Returns how many."""
    with transaction.atomic():
        done, created = ShipmentAssets.objects.get_or_create(shipment=shipment)
        if not created:
            return 0
        order = shipment.order
        count = 0
        for line in shipment.lines.select_related("order_line", "order_line__product"):
            product = line.order_line.product
            quantity = f"{line.quantity.normalize():f}"
            asset = Asset(
                customer_id=order.customer_id, kind=Asset.Kind.EQUIPMENT, product=product, order=order,
                contract_id=order.contract_id, name=(line.order_line.description or product.name)[:200],
                starts_on=shipment.shipped_on, ends_on=term_end(shipment.shipped_on, product.term_months),
                status=Asset.Status.ACTIVE, created_by=shipment.created_by,
                notes=f"{order.number} · {shipment.shipped_on:%Y-%m-%d} · {quantity} {line.order_line.unit}",
            )  # fmt: skip
            asset.search_text = asset_search_text(asset)
            asset.save(force_insert=True)
            audit_record(
                actor=shipment.created_by, action="create", obj=asset,
                message=Message(gettext_noop("Asset from the shipment of %(order)s"), {"order": order.number}),
            )  # fmt: skip
            renewal_open_for(asset=asset, actor=shipment.created_by)
            count += 1
        ShipmentAssets.objects.filter(pk=done.pk).update(assets=count)
    return count


def assets_from_shipments() -> int:
    """The periodic job: every shipment not yet turned into assets (a batch a run). Returns the assets created."""
    from guanxi.commerce.models import Shipment

    pending = Shipment.objects.filter(service_assets__isnull=True).select_related("order").order_by("id")[:BATCH]
    return sum(assets_from_shipment(shipment) for shipment in pending)
