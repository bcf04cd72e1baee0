"""Products, quotes and contracts (客户商务管理), one module per topic. Money is Decimal with a currency code on
every amount."""

from .catalogue import (
    CommercePolicy,
    PriceBook,
    PriceBookEntry,
    Product,
    ProductLine,
    _default_required_fields,  # migrations 0002 names it as the policy's default
)
from .contracts import Contract, signed_scan_path
from .orders import (
    ExecutionOrder,
    ExecutionOrderLine,
    ImplementationItem,
    ImplementationOrder,
    Shipment,
    ShipmentLine,
)
from .quotes import Quote, QuoteLine

__all__ = [
    "CommercePolicy",
    "Contract",
    "ExecutionOrder",
    "ExecutionOrderLine",
    "ImplementationItem",
    "ImplementationOrder",
    "PriceBook",
    "PriceBookEntry",
    "Product",
    "ProductLine",
    "Quote",
    "QuoteLine",
    "Shipment",
    "ShipmentLine",
    "_default_required_fields",
    "signed_scan_path",
]
