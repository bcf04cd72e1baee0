"""Reads of the satisfaction surveys, always through the tickets the reader may see."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, QuerySet

from guanxi.org.models import User
from guanxi.org.policies import scope_queryset_or_none

from ..models import Ticket
from .models import Survey


def surveys_in_scope(user: User, action: str = "view") -> QuerySet[Survey]:
    """The surveys of the tickets the user may see (or export; none without the permission)."""
    tickets = scope_queryset_or_none(user, Ticket.objects.all(), action, module="tickets")
    return Survey.objects.filter(ticket__in=tickets.values("pk"))


def ticket_survey(*, ticket: Ticket) -> Survey | None:
    """The ticket's survey (the caller has opened the ticket, so its scope is checked)."""
    return Survey.objects.filter(ticket_id=ticket.pk).first()


def customer_csat(*, user: User, customer: Any, recent: int = 3) -> dict[str, Any]:
    """A customer's satisfaction on their 360 page: the average score, how many answered, the latest comments."""
    answered = surveys_in_scope(user).filter(ticket__customer_id=customer.pk, answered_at__isnull=False)
    figures = answered.aggregate(average=Avg("score"), count=Count("pk"))
    average = figures["average"]
    return {
        "average": Decimal(str(average)).quantize(Decimal("0.1")) if average is not None else None,
        "count": figures["count"],
        "recent": list(answered.select_related("ticket").order_by("-answered_at", "-id")[:recent]),
    }
