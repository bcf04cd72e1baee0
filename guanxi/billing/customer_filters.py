"""The customer list's filter by payments (issue 17 §1: segments by "value and purchase history from contracts and
payments"): who paid in the last twelve months, who paid ¥100,000 or more in all (reversals count against it), and
who has an instalment past due and not fully paid. Read on the day the filter runs. Registered on the customers'
list from providers.py (customers sits below billing)."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.org.lists.registry import add_list_field
from guanxi.org.lists.spec import preset_field

from .models import Instalment, Payment

LARGE = 100_000
PAYMENTS = {
    "paid_12m": _("Paid in the last 12 months"),
    "paid_100k": _("Paid ¥100,000 or more in all"),
    "overdue": _("An instalment is overdue"),
}


def payments_q(values: list[str], *, today: dt.date | None = None) -> Q:
    """The customers holding any of the chosen payment cases (a subquery each: no customer twice)."""
    today = today or timezone.localdate()
    by_customer = Payment.objects.values("contract__customer_id")
    recent = by_customer.filter(received_on__gte=today - dt.timedelta(days=365)).annotate(net=Sum("amount"))
    held = {
        "paid_12m": recent.filter(net__gt=0).values("contract__customer_id"),
        "paid_100k": by_customer.annotate(net=Sum("amount")).filter(net__gte=LARGE).values("contract__customer_id"),
        "overdue": Instalment.objects.filter(due_date__lt=today, paid__lt=F("amount")).values("contract__customer_id"),
    }
    return Q.create([Q(pk__in=held[v]) for v in values], connector=Q.OR)


add_list_field("customers", preset_field("payments", _("Payments"), PAYMENTS, payments_q))
