"""Task reminders: "due soon" and "overdue" once each per due time, whatever how often the worker runs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from guanxi.core.models import Notification
from guanxi.customers.services import task_delete, task_send_reminders, task_set_done, task_update
from guanxi.customers.tests.factories import TaskFactory
from guanxi.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def kinds(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_task_due_within_the_hour_is_reminded_once():
    # given a task due in 30 minutes
    task = TaskFactory(title="Call 北京华信", due_at=NOW + dt.timedelta(minutes=30))
    # when the reminder job runs, and runs again a minute later
    first = task_send_reminders(now=NOW)
    second = task_send_reminders(now=NOW + dt.timedelta(minutes=1))
    # then the assignee was told once that it is due soon
    assert first == {"due": 1, "overdue": 0}
    assert second == {"due": 0, "overdue": 0}
    note = Notification.objects.get(recipient=task.assignee)
    assert note.kind == "task_due" and note.title == "Due soon: Call 北京华信"
    assert note.url == reverse("customers:my_day")


def test_overdue_task_is_reminded_once():
    # given a task that was due an hour ago
    task = TaskFactory(title="Send quote", due_at=NOW - dt.timedelta(hours=1))
    # when the job runs twice
    assert task_send_reminders(now=NOW) == {"due": 0, "overdue": 1}
    assert task_send_reminders(now=NOW) == {"due": 0, "overdue": 0}
    # then one warning-level "overdue" notification
    note = Notification.objects.get(recipient=task.assignee)
    assert (note.kind, note.level, note.title) == ("task_overdue", "warning", "Overdue: Send quote")


def test_a_task_gets_due_soon_then_overdue_and_nothing_more():
    # given a task due at 09:30
    task = TaskFactory(due_at=NOW + dt.timedelta(minutes=30))
    # when the job runs every five minutes from 09:00 to 10:30
    for minutes in range(0, 95, 5):
        task_send_reminders(now=NOW + dt.timedelta(minutes=minutes))
    # then exactly one "due soon" and one "overdue"
    assert kinds(task.assignee) == ["task_due", "task_overdue"]


def test_tasks_far_ahead_done_or_deleted_are_not_reminded(org):
    # given a rep's task due tomorrow, an overdue one already done and an overdue one in the recycle bin
    rep = org["east_rep"]
    TaskFactory(assignee=rep, due_at=NOW + dt.timedelta(days=1))
    done = TaskFactory(assignee=rep, due_at=NOW - dt.timedelta(hours=2))
    task_set_done(actor=rep, task=done)
    deleted = TaskFactory(assignee=rep, due_at=NOW - dt.timedelta(hours=2))
    task_delete(actor=org["east_manager"], task=deleted)
    # when the job runs
    sent = task_send_reminders(now=NOW)
    # then nobody was told anything
    assert sent == {"due": 0, "overdue": 0}
    assert not Notification.objects.filter(recipient=rep).exists()


def test_inactive_assignee_gets_no_reminder():
    task = TaskFactory(assignee=UserFactory(is_active=False), due_at=NOW - dt.timedelta(hours=1))
    assert task_send_reminders(now=NOW) == {"due": 0, "overdue": 0}
    assert not Notification.objects.filter(recipient=task.assignee).exists()


def test_moving_the_due_time_arms_the_reminders_again(org):
    # given a rep's task that was reminded as overdue
    rep = org["east_rep"]
    task = TaskFactory(assignee=rep, due_at=timezone.now() - dt.timedelta(hours=1))
    assert task_send_reminders()["overdue"] == 1
    # when the rep moves it to later and that new time passes too
    new_due = timezone.now() + dt.timedelta(minutes=20)
    task_update(actor=rep, task=task, data={"due_at": new_due})
    sent_soon = task_send_reminders()
    sent_late = task_send_reminders(now=new_due + dt.timedelta(minutes=1))
    # then the rep hears about the new due time as well (once each)
    assert sent_soon == {"due": 1, "overdue": 0}
    assert sent_late == {"due": 0, "overdue": 1}
    assert kinds(rep) == ["task_due", "task_overdue", "task_overdue"]


def test_reminders_are_e_mailed(smtp_server, settings, django_capture_on_commit_callbacks):
    # given e-mail on and an overdue and a due-soon task for someone with an address
    settings.GUANXI_BASE_URL = "https://crm.example.com"
    user = UserFactory(email="zhangwei@example.com")
    TaskFactory(assignee=user, title="Send quote", due_at=NOW - dt.timedelta(hours=3))
    TaskFactory(assignee=user, title="Visit client", due_at=NOW + dt.timedelta(minutes=10))
    # when the job runs (twice)
    with django_capture_on_commit_callbacks(execute=True):
        task_send_reminders(now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        task_send_reminders(now=NOW)
    # then two e-mails, one of each, linking to "my day"
    subjects = sorted(m["Subject"] for m in smtp_server.messages)
    assert subjects == ["Due soon: Visit client", "Overdue: Send quote"]
    assert all(m["To"] == "zhangwei@example.com" for m in smtp_server.messages)
    assert all("https://crm.example.com" + reverse("customers:my_day") in m.get_content() for m in smtp_server.messages)
