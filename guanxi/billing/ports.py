"""What billing provides through core's ports (guanxi/core/ports.py): a contract's money for commerce's pages and
the collected amounts for sales targets. providers.py registers them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from guanxi.core.ports import CollectedAmounts, ContractMoney


class BillingContractMoney:
    """commerce's contract page: the balance due and the payment plan."""

    def balance_due(self, *, user: Any, contract: Any) -> Decimal | None:
        from .selectors import contract_balance_due_for

        return contract_balance_due_for(user=user, contract=contract)

    def payment_plan(self, contract: Any) -> list[dict[str, Any]]:
        from .selectors import contract_payment_plan

        return contract_payment_plan(contract)


class BillingCollectedAmounts:
    """sales targets: the collected amounts (回款) per contract owner."""

    def collected(
        self, *, user: Any, start: dt.date | dt.datetime, end: dt.date | dt.datetime
    ) -> dict[tuple[int, int | None], Decimal]:
        from .selectors import collected_amounts

        return collected_amounts(user=user, start=start, end=end)


contract_money: ContractMoney = BillingContractMoney()
collected_amounts: CollectedAmounts = BillingCollectedAmounts()
