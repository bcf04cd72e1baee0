"""What every customers service module uses: the customer a record hangs off (input checks: core.inputs)."""

from __future__ import annotations

from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404

from ..models import Customer


def _customer_for(actor: User, customer_id: int, perm: str) -> Customer:
    """The customer a contact/follow-up/task hangs off, within the actor's scope for `perm`."""
    module, _dot, action = perm.partition(".")
    return get_scoped_or_404(actor, Customer.objects.all(), customer_id, action, module=module)
