"""To-dos (待办): create, edit, tick off, delete, remind; hand-over of a leaver's open tasks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from guanxi.core.i18n import Message
from guanxi.core.inputs import pick
from guanxi.core.services import check_version, model_create, model_update, notify, soft_delete
from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404, require_permission

from ..models import Task
from ._common import _customer_for

TASK_FIELDS = {"title", "description", "due_at", "customer"}
# What a task write changes, for pages that show its figures (core.views_util.announce_changes): open and overdue
# counts on my day, the 360 page's Tasks tab and timeline.
TASK_CHANGES = ("tasks",)


def task_create(*, actor: User, data: dict[str, Any], assignee: User | None = None) -> Task:
    """Create a to-do. Giving it to someone else needs "tasks.assign"; a customer must be within reach."""
    require_permission(actor, "tasks.create")
    data = pick(data, TASK_FIELDS)
    assignee = assignee or actor
    if assignee.pk != actor.pk:
        require_permission(actor, "tasks.assign")
    if data.get("customer") is not None:
        data["customer"] = _customer_for(actor, data["customer"].pk, "customers.view")
    with transaction.atomic():
        task = Task(assignee=assignee, created_by=actor, **data)
        model_create(instance=task, actor=actor)
        if assignee.pk != actor.pk:
            notify(
                recipient=assignee,
                kind="task_assigned",
                url=reverse("customers:my_day"),
                title=Message(gettext_noop("New task: %(title)s"), {"title": task.title}),
                body=Message(
                    gettext_noop("From %(user)s, due %(due)s"),
                    {"user": actor, "due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M")},
                ),
            )
    return task


def task_update(*, actor: User, task: Task, data: dict[str, Any], expected_version: int | None = None) -> Task:
    task = get_scoped_or_404(actor, Task.objects.all(), task.pk, "edit")
    check_version(task, expected_version)
    data = pick(data, TASK_FIELDS | {"done"})
    if data.get("customer") is not None:
        data["customer"] = _customer_for(actor, data["customer"].pk, "customers.view")
    if "done" in data:
        data["done_at"] = timezone.now() if data["done"] else None
    if "due_at" in data:  # a new due time deserves new reminders
        data["reminded_due_at"] = None
        data["reminded_overdue_at"] = None
    with transaction.atomic():
        task, _changes = model_update(instance=task, data=data, actor=actor, expected_version=expected_version)
    return task


def task_set_done(*, actor: User, task: Task, done: bool = True) -> Task:
    return task_update(actor=actor, task=task, data={"done": done})


def task_delete(*, actor: User, task: Task, expected_version: int | None = None) -> None:
    task = get_scoped_or_404(actor, Task.objects.all(), task.pk, "delete")
    check_version(task, expected_version)
    with transaction.atomic():
        soft_delete(instance=task, actor=actor, expected_version=expected_version)


def task_send_reminders(*, now: dt.datetime | None = None, due_within_minutes: int = 60) -> dict[str, int]:
    """Remind assignees of tasks due soon and of overdue ones, once each (the worker runs this)."""
    now = now or timezone.now()
    soon = Task.objects.filter(
        done=False,
        reminded_due_at__isnull=True,
        due_at__gt=now,
        due_at__lte=now + dt.timedelta(minutes=due_within_minutes),
    ).select_related("assignee")
    overdue = Task.objects.filter(done=False, reminded_overdue_at__isnull=True, due_at__lte=now).select_related(
        "assignee"
    )
    sent = {"due": 0, "overdue": 0}
    url = reverse("customers:my_day")
    for task in soon:
        with transaction.atomic():
            if notify(
                recipient=task.assignee,
                kind="task_due",
                url=url,
                dedupe_key=f"task_due:{task.pk}:{int(task.due_at.timestamp())}",
                title=Message(gettext_noop("Due soon: %(title)s"), {"title": task.title}),
                body=Message(
                    gettext_noop("Due at %(due)s"), {"due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M")}
                ),
            ):
                sent["due"] += 1
            Task.objects.filter(pk=task.pk).update(reminded_due_at=now)
    for task in overdue:
        with transaction.atomic():
            if notify(
                recipient=task.assignee,
                kind="task_overdue",
                url=url,
                level="warning",
                dedupe_key=f"task_overdue:{task.pk}:{int(task.due_at.timestamp())}",
                title=Message(gettext_noop("Overdue: %(title)s"), {"title": task.title}),
                body=Message(
                    gettext_noop("Was due at %(due)s"),
                    {"due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M")},
                ),
            ):
                sent["overdue"] += 1
            Task.objects.filter(pk=task.pk).update(reminded_overdue_at=now, reminded_due_at=now)
    return sent


def tasks_hand_over(*, actor: User, leaving: User, successor: User) -> int:
    """Give a leaver's open tasks to the successor (done ones keep the leaver's name), audited per task."""
    moved = 0
    for task in Task.objects.filter(assignee=leaving, done=False).select_for_update(of=("self",)):
        model_update(instance=task, data={"assignee": successor}, actor=actor)
        moved += 1
    return moved
