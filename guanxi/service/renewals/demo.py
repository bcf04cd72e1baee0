"""Demo renewals: the renewal list opened from the demo policies and equipment terms, one renewed, one lost with a
reason, one renewing with a renewal opportunity, the reminders already sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from guanxi.core.errors import ApplicationError


def renewals_demo_build(*, result: Any, gen: Any, now: dt.datetime, progress: Any) -> None:
    from django.utils import timezone

    from . import services
    from .models import Renewal

    admin = result.users.get("admin")
    if admin is None:
        return
    progress("Renewals…")
    today = timezone.localdate(now)
    services.renewals_open(today=today)
    rows = list(Renewal.objects.select_related("asset").order_by("ends_on", "id"))
    plan = [
        lambda r: services.renewal_renew(actor=admin, renewal=r, data={"policy_number": f"{r.asset.policy_number}R"}),
        lambda r: services.renewal_decide(
            actor=admin, renewal=r, status="lost", reason="客户转投其他保险公司，价格更低"
        ),
        lambda r: services.renewal_opportunity(actor=admin, renewal=r),
    ]
    for renewal, step in zip(rows[2:], plan, strict=False):  # the nearest stay open (due in 30 days)
        try:
            with transaction.atomic():
                step(renewal)
        except ApplicationError as exc:
            progress(f"  skipped: {exc.message}")
    services.renewals_remind(today=today)
    result.counts["renewals"] += Renewal.objects.count()
