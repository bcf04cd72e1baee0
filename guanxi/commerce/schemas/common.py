"""Types and references the commerce API schemas share. Discounts and tax rates are fractions: 0.48 is 4.8折,
0.13 is 13 % VAT. Money is a decimal string with two places and a currency code."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from guanxi.core.money import AMOUNT_DIGITS, AMOUNT_MAX

from ..models import Contract, ExecutionOrder, ImplementationOrder, Quote

Amount = Annotated[Decimal, Field(ge=0, lt=AMOUNT_MAX, max_digits=AMOUNT_DIGITS, decimal_places=2)]
Rate = Annotated[Decimal, Field(gt=0, le=1, max_digits=5, decimal_places=4)]
TaxRate = Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4)]
Quantity = Annotated[Decimal, Field(gt=0, lt=Decimal("1e9"), max_digits=11, decimal_places=2)]
QuoteStatus = Literal[tuple(Quote.Status.values)]  # type: ignore[valid-type]
ContractStatus = Literal[tuple(Contract.Status.values)]  # type: ignore[valid-type]
OrderStatus = Literal[tuple(ExecutionOrder.Status.values)]  # type: ignore[valid-type]
ImplStatus = Literal[tuple(ImplementationOrder.Status.values)]  # type: ignore[valid-type]


class Ref(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(getattr(obj, "name", obj))


class NumberRef(Schema):
    id: int
    number: str
