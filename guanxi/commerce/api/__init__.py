"""REST endpoints of the commerce app, mounted on the one NinjaAPI in guanxi/api/main.py: one Router
(api._common.router) and a module per document (products, quotes, contracts, orders). Parse → one
selector/service → output schema; the services check permission and data scope."""

from . import contracts, orders, products, quotes
from ._common import router


def _keep_operation_ids() -> None:
    """The endpoints were written in one module, guanxi.commerce.api, and the published OpenAPI operation ids
    name it (guanxi_commerce_api_quote_list): keep them, so clients generated from the document still work."""
    for path_view in router.path_operations.values():
        for operation in path_view.operations:
            operation.operation_id = operation.operation_id or f"guanxi_commerce_api_{operation.view_func.__name__}"


_keep_operation_ids()

__all__ = ["contracts", "orders", "products", "quotes", "router"]
