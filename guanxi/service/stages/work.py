"""Unfinished work (未完成工作) of each person in the reader's reach: their open to-dos (stage tasks among them),
open tickets and open renewals, overdue first. Everything is read through the reader's own data scope, so a rep
sees their own work, a department manager their team's and the service manager the whole service desk's."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from guanxi.org.models import User
from guanxi.org.policies import department_tree_ids, scope_queryset_or_none

from ..lists import OPEN as OPEN_TICKETS
from ..models import Ticket
from ..renewals.models import Renewal

ITEMS_PER_PERSON = 8
ITEMS_READ = 2000


@dataclass
class WorkItem:
    kind: str  # "task", "ticket" or "renewal"
    title: str
    due: dt.datetime | dt.date | None
    overdue: bool
    url: str
    stage: bool = False


@dataclass
class PersonWork:
    person: Any
    tasks: int = 0
    tickets: int = 0
    renewals: int = 0
    overdue: int = 0
    items: list[WorkItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.tasks + self.tickets + self.renewals


def _counts(qs: Any, person_path: str, overdue: Q) -> dict[int, tuple[int, int]]:
    rows = qs.order_by().values(person_path).annotate(n=Count("pk"), late=Count("pk", filter=overdue))
    return {r[person_path]: (r["n"], r["late"]) for r in rows if r[person_path]}


def unfinished_work(*, user: User, department: int | None = None) -> list[PersonWork]:
    from guanxi.customers.models import Task

    now = timezone.now()
    today = timezone.localdate()
    tasks = scope_queryset_or_none(user, Task.objects.filter(done=False), "view", module="tasks")
    tickets = scope_queryset_or_none(
        user, Ticket.objects.filter(status__in=OPEN_TICKETS, owner__isnull=False), "view", module="tickets"
    )
    renewals = scope_queryset_or_none(
        user, Renewal.objects.filter(status__in=(Renewal.Status.UNDECIDED, Renewal.Status.RENEWING),
                                     owner__isnull=False), "view", module="assets",
    )  # fmt: skip
    if department:
        from guanxi.org.models import Department

        dept = Department.objects.filter(pk=department).first()
        ids = department_tree_ids(dept) if dept else []
        tasks = tasks.filter(assignee__department_id__in=ids)
        tickets = tickets.filter(owner__department_id__in=ids)
        renewals = renewals.filter(owner__department_id__in=ids)
    work: dict[int, PersonWork] = {}
    sources = (
        ("tasks", tasks, "assignee_id", Q(due_at__lt=now)),
        ("tickets", tickets, "owner_id", Q(due_at__lt=now)),
        ("renewals", renewals, "owner_id", Q(ends_on__lt=today)),
    )
    for name, qs, path, late in sources:
        for pk, (n, overdue) in _counts(qs, path, late).items():
            row = work.setdefault(pk, PersonWork(person=None))
            setattr(row, name, n)
            row.overdue += overdue
    people = {u.pk: u for u in User.objects.filter(pk__in=list(work)).select_related("department")}
    for pk, row in work.items():
        row.person = people.get(pk)
    items: dict[int, list[WorkItem]] = defaultdict(list)
    stage_task_ids = set(tasks.filter(stage_runs__isnull=False).values_list("pk", flat=True)[:ITEMS_READ])
    for t in tasks.order_by("due_at", "id")[:ITEMS_READ]:
        items[t.assignee_id].append(
            WorkItem("task", t.title, t.due_at, t.due_at < now, reverse("customers:my_day"), t.pk in stage_task_ids)
        )
    for k in tickets.order_by("due_at", "id")[:ITEMS_READ]:
        items[k.owner_id].append(  # type: ignore[index]
            WorkItem(
                "ticket",
                f"{k.number} {k.subject}",
                k.due_at,
                bool(k.due_at and k.due_at < now),
                reverse("service:ticket_detail", args=[k.pk]),
            )  # fmt: skip
        )
    for r in renewals.select_related("asset").order_by("ends_on", "id")[:ITEMS_READ]:
        items[r.owner_id].append(  # type: ignore[index]
            WorkItem(
                "renewal", str(r.asset), r.ends_on, r.ends_on < today, reverse("service:renewal_detail", args=[r.pk])
            )  # fmt: skip
        )
    for pk, row in work.items():
        mine = items.get(pk, [])
        mine.sort(key=lambda i: (not i.overdue, _sort_day(i.due)))
        row.items = mine[:ITEMS_PER_PERSON]
    rows = [r for r in work.values() if r.person is not None]
    rows.sort(key=lambda r: (-r.overdue, -r.total, r.person.name))
    return rows


def _sort_day(value: dt.datetime | dt.date | None) -> dt.date:
    if value is None:
        return dt.date.max
    return timezone.localtime(value).date() if isinstance(value, dt.datetime) else value
