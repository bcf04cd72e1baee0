"""What the billing services share: the contract a money write is about, its instalments and what it collected
(input checks: core.inputs)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from guanxi.commerce.models import Contract
from guanxi.core.errors import InvalidStateError
from guanxi.core.money import ZERO, to_cent
from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404

from ..models import Instalment, Payment
from ..policies import RECEIVABLE_STATUSES


def contract_for(actor: User, contract: Contract | int, action: str, module: str) -> Contract:
    """The contract a money write is about, locked, within the actor's `module.action` scope (403/404)."""
    pk = contract.pk if isinstance(contract, Contract) else contract
    get_scoped_or_404(actor, Contract.objects.all(), pk, action, module=module)
    return Contract.objects.select_for_update(of=("self",)).select_related("customer", "owner").get(pk=pk)


def require_receivable(contract: Contract) -> None:
    if contract.status not in RECEIVABLE_STATUSES:
        raise InvalidStateError(
            _("Money can only be recorded on an approved or signed contract (this one is “%(status)s”).")
            % {"status": contract.get_status_display()}
        )


def collected_on(contract: Contract) -> Decimal:
    """Payments received on a contract, net of reversals."""
    total = Payment.objects.filter(contract=contract).aggregate(s=Sum("amount"))["s"]
    return to_cent(total or ZERO)


def live_instalments(contract: Contract, *, lock: bool = False) -> list[Instalment]:
    qs = Instalment.objects.filter(contract=contract).order_by("due_date", "sequence", "id")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return list(qs)
