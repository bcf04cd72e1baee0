"""The renewal rate analytics reads (core.registry `Metric`): of the renewals whose term ended in the period and
were decided (renewed or not renewing), the share (%) renewed, by the renewal's owner."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from guanxi.core.metrics import drill_url, grouped, ratio
from guanxi.org.models import User
from guanxi.org.policies import scope_queryset_or_none

from .models import Renewal


def renewal_rate(
    *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    qs = scope_queryset_or_none(user, Renewal.objects.all(), "view").filter(
        ends_on__gte=date_from, ends_on__lte=date_to, status__in=(Renewal.Status.RENEWED, Renewal.Status.LOST)
    )
    decided = grouped(qs, group_by=group_by, owners=owners)
    renewed = grouped(qs.filter(status=Renewal.Status.RENEWED), group_by=group_by, owners=owners)
    return ratio({k: renewed.get(k, Decimal(0)) for k in decided}, decided, scale=Decimal(100))


def renewal_records(
    *, date_from: dt.date, date_to: dt.date, owner: Any = None, department: Any = None, group: Any = None
) -> str:
    return drill_url(
        "service:renewal_list", {"scene": "all", "ends_on_from": date_from, "ends_on_to": date_to, "owner": owner}
    )
