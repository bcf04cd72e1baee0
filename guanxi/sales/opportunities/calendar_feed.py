"""The opportunities' entries in a user's calendar feed (org.calendar): the expected signing date of each open deal
the user owns, read through their permissions and data scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from guanxi.core.ical import CalendarEntry
from guanxi.org.policies import has_permission, scope_queryset

from .models import Opportunity

LIMIT = 2000


def closing_entries(*, user: Any, start: dt.date, end: dt.date) -> Iterator[CalendarEntry]:
    if not has_permission(user, "opportunities.view"):
        return
    deals = (
        scope_queryset(user, Opportunity.objects.all(), "view")
        .filter(
            owner_id=user.pk,
            status=Opportunity.Status.OPEN,
            expected_close_date__gte=start,
            expected_close_date__lte=end,
        )
        .select_related("customer")
        .order_by("expected_close_date", "pk")[:LIMIT]
    )
    base = settings.GUANXI_BASE_URL.rstrip("/")
    for deal in deals:
        assert deal.expected_close_date is not None
        yield CalendarEntry(
            uid=f"opportunity-close-{deal.pk}@guanxi",
            summary=_("Expected signing: %(deal)s") % {"deal": deal.name},
            start=deal.expected_close_date,
            description=_("%(customer)s · %(amount)s %(currency)s")
            % {"customer": deal.customer, "amount": deal.amount, "currency": deal.currency},
            url=base + reverse("sales:opportunity_detail", args=[deal.pk]),
            category=_("Opportunity"),
            stamp=deal.updated_at,
        )
