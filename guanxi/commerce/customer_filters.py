"""The customer list's filter by purchase history, from contracts (issue 17 §1: segments "by value and purchase
history from contracts"): a customer list filtered so, or a dynamic segment saved from it, holds who signed in the
last twelve months, who bought before but not since, who never signed, and whose contracts reach ¥100,000 in all.
Signed means signed, in execution or completed; the window is read on the day the filter runs. Registered on the
customers' list from providers.py (customers sits below commerce)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.org.lists.registry import add_list_field
from guanxi.org.lists.spec import preset_field

from .models import Contract

SIGNED = (Contract.Status.SIGNED, Contract.Status.IN_EXECUTION, Contract.Status.COMPLETED)
LARGE = 100_000
PURCHASES = {
    "signed_12m": _("Signed a contract in the last 12 months"),
    "lapsed": _("Bought before, nothing in the last 12 months"),
    "never": _("Never signed a contract"),
    "over_100k": _("Contracts of ¥100,000 or more in all"),
}


def purchases_q(values: list[str], *, today: dt.date | None = None) -> Q:
    """The customers holding any of the chosen purchase histories (a subquery each: no customer twice)."""
    since = (today or timezone.localdate()) - dt.timedelta(days=365)
    signed = Contract.objects.filter(status__in=SIGNED)
    recent = signed.filter(signed_on__gte=since).values("customer_id")
    large = signed.values("customer_id").annotate(total=Sum("amount")).filter(total__gte=LARGE).values("customer_id")
    held = {
        "signed_12m": Q(pk__in=recent),
        "lapsed": Q(pk__in=signed.values("customer_id")) & ~Q(pk__in=recent),
        "never": ~Q(pk__in=signed.values("customer_id")),
        "over_100k": Q(pk__in=large),
    }
    return Q.create([held[v] for v in values], connector=Q.OR)


add_list_field("customers", preset_field("purchases", _("Purchase history"), PURCHASES, purchases_q))
