"""The customers app's entries in a user's calendar feed (org.calendar): their open tasks and the next follow-up
dates of the customers they own, read through their permissions and data scope like every list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from guanxi.core.ical import CalendarEntry
from guanxi.org.policies import has_permission, scope_queryset

from .models import Customer, Task

LIMIT = 2000  # per source: a calendar is for the days ahead, not an export


def _absolute(path: str) -> str:
    return settings.GUANXI_BASE_URL.rstrip("/") + path


def task_entries(*, user: Any, start: dt.date, end: dt.date) -> Iterator[CalendarEntry]:
    """The user's own open tasks due in the window (a timed entry at the due time)."""
    if not has_permission(user, "tasks.view"):
        return
    tasks = (
        scope_queryset(user, Task.objects.all(), "view")
        .filter(assignee_id=user.pk, done=False, due_at__date__gte=start, due_at__date__lte=end)
        .select_related("customer")
        .order_by("due_at", "pk")[:LIMIT]
    )
    for task in tasks:
        lines = [str(task.customer)] if task.customer_id else []
        if task.description:
            lines.append(task.description)
        url = reverse("customers:detail", args=[task.customer_id]) if task.customer_id else reverse("customers:my_day")
        yield CalendarEntry(
            uid=f"task-{task.pk}@guanxi",
            summary=_("Task: %(title)s") % {"title": task.title},
            start=task.due_at,
            description="\n".join(lines),
            url=_absolute(url),
            category=_("Task"),
            stamp=task.updated_at,
        )


def follow_up_entries(*, user: Any, start: dt.date, end: dt.date) -> Iterator[CalendarEntry]:
    """The next follow-up date of each customer the user owns (an all-day entry)."""
    if not has_permission(user, "customers.view"):
        return
    customers = (
        scope_queryset(user, Customer.objects.all(), "view")
        .filter(owner_id=user.pk, next_follow_up_on__gte=start, next_follow_up_on__lte=end)
        .only("pk", "name", "next_follow_up_on", "updated_at")
        .order_by("next_follow_up_on", "pk")[:LIMIT]
    )
    for customer in customers:
        assert customer.next_follow_up_on is not None
        yield CalendarEntry(
            uid=f"customer-follow-up-{customer.pk}@guanxi",
            summary=_("Follow up: %(customer)s") % {"customer": customer.name},
            start=customer.next_follow_up_on,
            url=_absolute(reverse("customers:detail", args=[customer.pk])),
            category=_("Follow-up"),
            stamp=customer.updated_at,
        )
