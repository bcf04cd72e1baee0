"""What the commerce endpoints share: the one Router, the tags, and turning ids in a request body into the rows
the user may use (an unknown or unseen id is a 400 naming the field)."""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
from typing import Any

from django.utils.translation import gettext as _
from ninja import Router

from guanxi.core.errors import ValidationFailed

from .. import selectors
from ..models import Product

router = Router(tags=["Commerce"])

PRODUCTS = ["Products"]
QUOTES = ["Quotes"]
CONTRACTS = ["Contracts"]
ORDERS = ["Orders"]


def unknown_id(field: str) -> ValidationFailed:
    msg = _("Unknown id, or you may not see it.")
    return ValidationFailed(msg, fields={field: [msg]})


def one_of(rows: Any, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = next((r for r in rows if r.pk == pk), None) if isinstance(rows, list) else rows.filter(pk=pk).first()
    if found is None:
        raise unknown_id(field)
    return found


def products_by_id(user: Any, ids: list[int]) -> dict[int, Product]:
    found = {p.pk: p for p in selectors.product_list(user=user).filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise unknown_id("lines")
    return found


def line_inputs(user: Any, lines: list[Any]) -> list[dict[str, Any]]:
    products = products_by_id(user, [ln.product_id for ln in lines])
    out = []
    for ln in lines:
        row = {"product": products[ln.product_id], "quantity": ln.quantity, "description": ln.description or ""}
        if hasattr(ln, "discount"):
            row["discount"] = ln.discount
        out.append(row)
    return out
