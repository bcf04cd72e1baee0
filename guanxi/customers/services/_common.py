"""Pieces every customers service module uses: the allowed-fields check and the customer a record hangs off."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404

from ..models import Customer


def _pick(data: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationFailed(
            _("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))},
            fields={k: [_("This field cannot be set here.")] for k in sorted(unknown)},
        )
    return dict(data)


def _customer_for(actor: User, customer_id: int, perm: str) -> Customer:
    """The customer a contact/follow-up/task hangs off, within the actor's scope for `perm`."""
    module, _dot, action = perm.partition(".")
    return get_scoped_or_404(actor, Customer.objects.all(), customer_id, action, module=module)
