"""The customer list's filter by assets held and their end dates (issue 17 §1: segments by "assets held and their
end dates where service exists"): who holds an asset in force, one ending within 90 days (a renewal campaign's
audience), or one that has ended. Read on the day the filter runs. Registered on the customers' list from
providers.py (customers sits below service)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.org.lists.registry import add_list_field
from guanxi.org.lists.spec import preset_field

from .models import Asset

SOON_DAYS = 90
ASSETS = {
    "in_force": _("Holds an asset in force"),
    "ending_90d": _("An asset ends within 90 days"),
    "ended": _("An asset has ended"),
}


def assets_q(values: list[str], *, today: dt.date | None = None) -> Q:
    """The customers holding an asset of any of the chosen kinds (a subquery each: no customer twice)."""
    today = today or timezone.localdate()
    running = Asset.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today), status=Asset.Status.ACTIVE)
    held = {
        "in_force": running,
        "ending_90d": running.filter(ends_on__lte=today + dt.timedelta(days=SOON_DAYS)),
        "ended": Asset.objects.filter(Q(ends_on__lt=today) | Q(status=Asset.Status.EXPIRED)),
    }
    return Q.create([Q(pk__in=held[v].values("customer_id")) for v in values], connector=Q.OR)


add_list_field("customers", preset_field("assets", _("Assets"), ASSETS, assets_q))
