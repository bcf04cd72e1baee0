"""Service level (SLA): due times in working hours, the clock paused while waiting for the customer, and the
periodic check that warns before a breach and escalates on it.

- A new ticket gets `first_response_due_at` and `due_at` (resolution) from its SLA target (models.SlaTarget:
  priority, and the customer's level when a target names it), counted in working hours on the service policy's
  working day and the Chinese working calendar (core.workcal: weekends, 法定节假日 and 调休 make-up days).
- Waiting for the customer pauses the clock (`paused_at`); on resuming (or resolving, closing) the due times move
  on by the working hours the pause lasted.
- `sla_check` (a periodic job, every 15 minutes) tells the owner once when the resolution is due within the
  policy's `warn_before_hours`, and on a breach tells the owner and escalates to the team manager (the owner's
  department manager; else every active service manager), once, marking `sla_breached_at` and the history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from guanxi.core.i18n import Message
from guanxi.core.services import notify
from guanxi.core.workcal import WorkingHours

from .models import SlaTarget, Ticket, TicketEvent

OPEN = ("new", "assigned", "in_progress", "waiting")
DEFAULT_TARGETS = {"urgent": (1, 4), "high": (2, 8), "normal": (4, 18), "low": (8, 45)}  # working hours


def working_hours() -> WorkingHours:
    from .services import service_policy

    policy = service_policy()
    return WorkingHours(start=policy.workday_start, end=policy.workday_end)


def target_for(ticket: Ticket) -> SlaTarget | None:
    level = ticket.customer.level if ticket.customer_id else ""
    rows = {
        t.customer_level: t for t in SlaTarget.objects.filter(priority=ticket.priority, customer_level__in=[level, ""])
    }
    return rows.get(level) or rows.get("")


def due_times(ticket: Ticket, start: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None]:
    target = target_for(ticket)
    if target is None:
        return None, None
    hours = working_hours()
    return hours.add(start, float(target.first_response_hours)), hours.add(start, float(target.resolution_hours))


def resume_clock(ticket: Ticket, now: dt.datetime) -> list[str]:
    """Move the due times on by the working hours the pause lasted; the fields changed."""
    if ticket.paused_at is None:
        return []
    hours = working_hours()
    paused = hours.between(ticket.paused_at, now)
    fields = ["paused_at"]
    if ticket.due_at is not None and paused:
        ticket.due_at = hours.add(ticket.due_at, paused)
        fields.append("due_at")
    if ticket.first_response_due_at is not None and ticket.first_response_at is None and paused:
        ticket.first_response_due_at = hours.add(ticket.first_response_due_at, paused)
        fields.append("first_response_due_at")
    ticket.paused_at = None
    return fields


def _escalation_targets(ticket: Ticket) -> list[Any]:
    from guanxi.org.models import User

    owner = ticket.owner
    manager = owner.department.manager if owner is not None and owner.department_id and owner.department else None
    if manager is not None and manager.is_active and manager.pk != (owner.pk if owner else None):
        return [manager]
    return list(User.objects.filter(is_active=True, roles__code="service_manager").distinct())


def sla_check(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Warn before a breach, escalate on it (each once per ticket). Returns the counts."""
    now = now or timezone.now()
    hours = working_hours()
    from .services import service_policy

    warn_before = float(service_policy().warn_before_hours)
    counts = {"warned": 0, "breached": 0}
    live = Ticket.objects.filter(status__in=OPEN, paused_at__isnull=True, due_at__isnull=False).select_related(
        "owner", "owner__department__manager"
    )
    for ticket in live.filter(sla_breached_at__isnull=True, due_at__lte=now):
        with transaction.atomic():
            if not Ticket.objects.filter(pk=ticket.pk, sla_breached_at__isnull=True).update(sla_breached_at=now):
                continue
            TicketEvent.objects.create(ticket=ticket, at=now, kind=TicketEvent.Kind.NOTE, text="SLA")
            title = Message(gettext_noop("Ticket %(number)s is past its SLA"), {"number": ticket.number})
            people = ([ticket.owner] if ticket.owner is not None else []) + _escalation_targets(ticket)
            url = f"/service/tickets/{ticket.pk}/"
            for person in {p.pk: p for p in people}.values():
                notify(
                    recipient=person,
                    kind="ticket_sla_breached",
                    title=title,
                    body=ticket.subject,
                    url=url,
                    level="warning",
                    dedupe_key=f"ticket-sla-breach-{ticket.pk}",
                )
            counts["breached"] += 1
    soon = live.filter(Q(owner__isnull=False), sla_breached_at__isnull=True, sla_warned_at__isnull=True, due_at__gt=now)
    for ticket in soon:
        if ticket.owner is None or ticket.due_at is None or hours.between(now, ticket.due_at) > warn_before:
            continue
        Ticket.objects.filter(pk=ticket.pk).update(sla_warned_at=now)
        notify(
            recipient=ticket.owner,
            kind="ticket_sla_warning",
            title=Message(gettext_noop("Ticket %(number)s is due soon"), {"number": ticket.number}),
            body=ticket.subject,
            url=f"/service/tickets/{ticket.pk}/",
            dedupe_key=f"ticket-sla-warn-{ticket.pk}",
        )
        counts["warned"] += 1
    return counts
