"""Follow-ups and tasks about a deal reuse the customers' FollowUp and Task (linked through OpportunityActivity):
they show on the deal and on the customer, and the customers' rules (author, tasks.create, scope) apply."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from guanxi.core.errors import PermissionDeniedError
from guanxi.core.models import AuditLog
from guanxi.customers.models import Attachment, FollowUp, Task
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.models import OpportunityActivity
from guanxi.sales.opportunities import services

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def deal(org):
    rep = org["east_rep"]
    return services.opportunity_create(actor=rep, customer=CustomerFactory(owner=rep), data={"name": "ERP 升级"})


def test_follow_up_with_a_file_is_a_customer_follow_up_linked_to_the_deal(org, deal, settings, tmp_path):
    # given the deal's page, when the rep logs a follow-up with an attachment there
    settings.MEDIA_ROOT = tmp_path
    client = client_for(org["east_rep"])
    response = client.post(
        f"/sales/opportunities/{deal.pk}/follow-up/",
        {
            "method": "phone",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            "content": "确认了预算和上线时间",
            "attachments": SimpleUploadedFile("纪要.txt", b"notes"),
        },
    )
    assert response.status_code == 302
    # then it is the customer's follow-up (one row, no copy), linked to the deal, with its file
    follow_up = FollowUp.objects.get(customer=deal.customer)
    assert OpportunityActivity.objects.get(opportunity=deal).follow_up == follow_up
    assert Attachment.objects.get(follow_up=follow_up).name == "纪要.txt"
    deal.customer.refresh_from_db()
    assert deal.customer.last_contact_at == follow_up.occurred_at
    # and both the deal page and the customer page show it
    assert "确认了预算和上线时间" in client.get(f"/sales/opportunities/{deal.pk}/").content.decode()
    assert "确认了预算和上线时间" in client.get(f"/customers/{deal.customer.pk}/").content.decode()


def test_task_about_the_deal_is_a_customer_task(org, deal):
    # when the rep adds a task on the deal page
    client = client_for(org["east_rep"])
    due = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    response = client.post(f"/sales/opportunities/{deal.pk}/tasks/", {"title": "发送报价单", "due_at": due})
    assert response.status_code == 302
    # then a customer task for the deal's customer exists, linked to the deal, and audited on the deal
    task = Task.objects.get(title="发送报价单")
    assert task.customer_id == deal.customer_id and task.assignee == org["east_rep"]
    assert OpportunityActivity.objects.get(opportunity=deal, task=task)
    assert AuditLog.objects.filter(object_id=deal.pk, message="Task added").exists()
    html = client.get(f"/sales/opportunities/{deal.pk}/").content.decode()
    assert "发送报价单" in html and "Mark done" in html
    # and marking it done through the customers' action shows it done on the deal
    client.post(f"/customers/tasks/{task.pk}/done/", {"done": "1", "next": f"/sales/opportunities/{deal.pk}/"})
    task.refresh_from_db()
    assert task.done


def test_deleted_task_disappears_from_the_deal(org, deal):
    from guanxi.customers import services as customer_services

    task = services.opportunity_add_task(
        actor=org["east_rep"], opportunity=deal, data={"title": "回访", "due_at": timezone.now()}
    )
    customer_services.task_delete(actor=org["east_manager"], task=task)
    assert "回访" not in client_for(org["east_rep"]).get(f"/sales/opportunities/{deal.pk}/").content.decode()


def test_without_tasks_create_nothing_is_written(org, deal):
    # given a user who sees the deal but may not create tasks (the executive)
    audits = AuditLog.objects.count()
    with pytest.raises(PermissionDeniedError):
        services.opportunity_add_task(
            actor=org["executive"], opportunity=deal, data={"title": "x", "due_at": timezone.now()}
        )
    assert not Task.objects.exists() and not OpportunityActivity.objects.exists()
    assert AuditLog.objects.count() == audits


def test_bad_task_input_is_shown_not_a_500(org, deal):
    response = client_for(org["east_rep"]).post(f"/sales/opportunities/{deal.pk}/tasks/", {"title": "", "due_at": "x"})
    assert response.status_code == 302 and not Task.objects.exists()


def test_deal_page_queries_do_not_grow_with_its_activities(org, deal, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(org["east_rep"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/sales/opportunities/{deal.pk}/").status_code == 200
        return len(ctx.captured_queries)

    def add(n: int) -> None:
        for i in range(n):
            services.opportunity_log_follow_up(actor=org["east_rep"], opportunity=deal, data={"content": f"跟进{i}"})
            services.opportunity_add_task(
                actor=org["east_rep"], opportunity=deal, data={"title": f"任务{i}", "due_at": timezone.now()}
            )

    # given a deal with one follow-up and task, then with six of each: the page costs the same (measured after a
    # first visit, whose once-per-session work, such as the session's first stamp, is not the page's cost)
    add(1)
    queries()
    few = queries()
    add(5)
    assert queries() == few
    with django_assert_max_num_queries(few):
        client.get(f"/sales/opportunities/{deal.pk}/")
