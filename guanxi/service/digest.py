"""The daily complaint and feedback digest (每日投诉分析, REQUIREMENTS §8): once a day, from DIGEST_HOUR on, the
service managers and sales management hear how many complaints came in the day before, how many are still open,
and how many customers gave a low satisfaction score — with a link to the complaints queue. A periodic job; the
notification's dedupe key makes it once per person per day however often the job runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from guanxi.core.i18n import Message
from guanxi.core.services import notify

from .models import Ticket
from .selectors import complaint_types

DIGEST_HOUR = 8
READERS = ("service_manager", "sales_management")
OPEN = Ticket.OPEN_STATUSES


def complaint_figures(day: dt.date) -> dict[str, Any]:
    """The day's complaints, the open ones now, the day's low satisfaction scores and the day's complaint subjects."""
    from .surveys.models import Survey
    from .surveys.services import LOW_SCORE

    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    complaints = Ticket.objects.filter(type__in=complaint_types())
    new = complaints.filter(created_at__gte=start, created_at__lt=end)
    low = Survey.objects.filter(answered_at__gte=start, answered_at__lt=end, score__lte=LOW_SCORE)
    return {
        "new": new.count(),
        "open": complaints.filter(status__in=OPEN).count(),
        "low": low.count(),
        "subjects": list(new.order_by("created_at").values_list("number", "subject")[:5]),
    }


def complaint_digest(*, now: dt.datetime | None = None) -> int:
    """Send yesterday's digest to each service manager and sales manager (once a day). Returns how many were told."""
    from guanxi.org.models import User

    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < DIGEST_HOUR:
        return 0
    day = local.date() - dt.timedelta(days=1)
    figures = complaint_figures(day)
    if not (figures["new"] or figures["open"] or figures["low"]):
        return 0
    body = "\n".join(f"{number} {subject}" for number, subject in figures["subjects"])
    title = Message(
        gettext_noop("Complaints %(day)s: %(new)s new, %(open)s open, %(low)s low satisfaction scores"),
        {"day": day.isoformat(), "new": figures["new"], "open": figures["open"], "low": figures["low"]},
    )
    told = 0
    url = reverse("service:ticket_list") + "?scene=complaints"
    for person in User.objects.filter(is_active=True, roles__code__in=READERS).distinct():
        note = notify(recipient=person, kind="ticket_complaint_digest", title=title, body=body, url=url,
                      dedupe_key=f"complaint-digest-{day.isoformat()}")  # fmt: skip
        told += note is not None
    return told
