"""Web UI: "My day" (the start page) and tasks."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.customers.models import Task
from guanxi.customers.tests.factories import CustomerFactory, TaskFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_my_day_lists_overdue_today_upcoming_and_follow_ups_due(org):
    # given an overdue task, one due later today, one next week and a customer due for follow-up
    now = timezone.localtime()
    rep = org["east_rep"]
    TaskFactory(assignee=rep, title="过期任务", due_at=now - timezone.timedelta(days=2))
    TaskFactory(assignee=rep, title="明周任务", due_at=now + timezone.timedelta(days=7))
    CustomerFactory(owner=rep, name="该跟进了", next_follow_up_on=now.date() - timezone.timedelta(days=1))
    TaskFactory(assignee=org["east_rep2"], title="别人的任务", due_at=now)
    # when the rep opens the start page
    response = client_for(rep).get("/")
    response = client_for(rep).get(response["Location"])
    html = response.content.decode()
    # then each appears in its place, and others' tasks don't
    assert response.status_code == 200
    overdue = html.split("border-danger", 1)[1].split("</ul>", 1)[0]
    assert "过期任务" in overdue and "text-danger" in overdue
    assert "明周任务" in html and "该跟进了" in html
    assert "别人的任务" not in html


def test_tick_a_task_done_with_htmx(org):
    task = TaskFactory(assignee=org["east_rep"], title="打电话")
    response = client_for(org["east_rep"]).post(
        f"/customers/tasks/{task.pk}/done/", {"done": "1"}, headers={"HX-Request": "true"}
    )
    # the row comes back ticked, and the task is done
    assert response.status_code == 200 and "text-decoration-line-through" in response.content.decode()
    task.refresh_from_db()
    assert task.done and task.done_at is not None
    # and the answer tells the page that tasks changed, so my day's figures and the 360 tab count follow
    assert json.loads(response["HX-Trigger"]) == {"gx:changed": {"names": ["tasks"]}}


def test_figures_that_follow_a_task_are_marked_for_refresh(org):
    # given a rep with an overdue task on a customer
    rep = org["east_rep"]
    customer = CustomerFactory(owner=rep)
    TaskFactory(assignee=rep, customer=customer, due_at=timezone.now() - timezone.timedelta(days=1))
    client = client_for(rep)
    # then my day's figures and overdue count, and the 360 page's Tasks tab count, listen to "tasks"
    my_day = client.get("/customers/my-day/").content.decode()
    assert 'id="my-day-figures" data-gx-refresh-on="tasks"' in my_day
    assert 'id="my-day-overdue-count" data-gx-refresh-on="tasks">1<' in my_day
    detail = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="tasks-count" data-gx-refresh-on="tasks">1<' in detail


def test_others_tasks_cannot_be_ticked(org):
    task = TaskFactory(assignee=org["west_rep"])
    response = client_for(org["east_rep"]).post(f"/customers/tasks/{task.pk}/done/", {"done": "1"})
    assert response.status_code == 404
    task.refresh_from_db()
    assert not task.done


def test_quick_new_task_for_me_or_with_assignee(org):
    customer = CustomerFactory(owner=org["east_rep"])
    rep = client_for(org["east_rep"])
    # a rep has no assignee field and gets the task themselves
    assert 'name="assignee"' not in rep.get("/customers/my-day/").content.decode()
    response = rep.post(
        "/customers/tasks/new/",
        {"title": "回访", "due_at": "2031-01-02 09:30", "customer": customer.pk, "assignee": org["east_rep2"].pk},
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.assignee, task.customer) == (org["east_rep"], customer)
    assert timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M") == "2031-01-02 09:30"
    # a manager may give one to a rep
    manager = client_for(org["east_manager"])
    assert 'name="assignee"' in manager.get("/customers/my-day/").content.decode()
    manager.post("/customers/tasks/new/", {"title": "给下属", "due_at": "2031-01-02", "assignee": org["east_rep"].pk})
    assert Task.objects.get(title="给下属").assignee == org["east_rep"]


def test_new_task_errors_and_foreign_customers(org):
    foreign = CustomerFactory(owner=org["west_rep"])
    client = client_for(org["east_rep"])
    response = client.post("/customers/tasks/new/", {"title": "", "due_at": "not a date", "customer": foreign.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in html and "Enter a valid date/time." in html
    assert "Select a valid choice." in html
    assert not Task.objects.exists()


def test_my_day_for_a_user_without_role(org):
    response = client_for(org["nobody"]).get("/customers/my-day/")
    assert response.status_code == 200
    assert "no role yet" in response.content.decode()
