"""The customer 360 timeline and change log show only what the reader's role may see, on the page, its htmx
fragments and the API: follow-ups with followups.view, tasks in the task data scope, change entries only about
records the reader may open, field values by label and name (never a raw column name or id)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.customers import services
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory
from guanxi.org.models import DataScope, Role
from guanxi.org.services import api_token_create
from guanxi.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FOLLOW_UP_TEXT = "总经理透露预算只有八十万"
FOLLOW_UP_CORRECTED = "总经理透露预算其实有九十万"
TASK_TITLE = "周五前寄送底价报价单"


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user) -> Client:
    _token, secret = api_token_create(actor=user, name="test")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def api_text(user, customer) -> str:
    """The customer's 360 API answer as the reader gets it, as text (Chinese unescaped)."""
    response = api(user).get(f"/api/v1/customers/{customer.pk}/360")
    assert response.status_code == 200
    return json.dumps(response.json(), ensure_ascii=False)


def page_and_fragments(user, customer) -> list[str]:
    """The 360 page and each timeline fragment the page's filter pills load with htmx."""
    client = browser(user)
    url = f"/customers/{customer.pk}/"
    bodies = []
    for params in ({}, {"type": "followup"}, {"type": "task"}, {"type": "change"}, {"type": "all"}):
        response = client.get(url, params, headers={"HX-Request": "true"})
        assert response.status_code == 200
        bodies.append(response.content.decode())
    return bodies


@pytest.fixture
def worked_customer(org):
    """East rep's customer with a follow-up (then corrected) and a task, all written through the services so
    the audit trail holds their content."""
    rep = org["east_rep"]
    customer = CustomerFactory(owner=rep, name="华信机械")
    follow_up = services.follow_up_create(
        actor=rep, customer=customer, data={"content": FOLLOW_UP_TEXT, "occurred_at": timezone.now()}
    )
    services.follow_up_update(actor=rep, follow_up=follow_up, data={"content": FOLLOW_UP_CORRECTED})
    task = services.task_create(
        actor=rep, data={"title": TASK_TITLE, "customer": customer, "due_at": timezone.now() + dt.timedelta(days=1)}
    )
    services.task_update(actor=rep, task=task, data={"title": TASK_TITLE + "（加急）"})
    return customer


def test_finance_reads_no_follow_up_or_task_on_the_360_page(org, worked_customer):
    # given a finance user, who may read customers and contacts but not follow-ups or tasks
    finance = UserFactory(username="finance_reader", department=org.hq, roles=["finance"])
    # when they open the customer's page and each timeline fragment
    bodies = page_and_fragments(finance, worked_customer)
    # then the customer is there, but no follow-up text and no task title, neither as events nor as changes
    assert "华信机械" in bodies[0]
    for html in bodies:
        assert FOLLOW_UP_TEXT not in html and FOLLOW_UP_CORRECTED not in html
        assert TASK_TITLE not in html
    # and the timeline offers no follow-up or task filter they could not use
    assert "?type=followup" not in bodies[0] and "?type=task" not in bodies[0]


def test_finance_reads_no_follow_up_or_task_in_the_360_api(org, worked_customer):
    # given the same finance user with an API token
    finance = UserFactory(username="finance_reader", department=org.hq, roles=["finance"])
    # when they read the customer's 360 view
    body = api_text(finance, worked_customer)
    # then the timeline holds no follow-up, no task and no change entry about either
    assert "华信机械" in body
    assert FOLLOW_UP_TEXT not in body and FOLLOW_UP_CORRECTED not in body and TASK_TITLE not in body
    types = {(e["kind"], e["object_type"]) for e in json.loads(body)["timeline"]}
    assert types <= {("change", "customers.customer"), ("change", "customers.contact")}


def test_the_owner_still_reads_everything_with_labels(org, worked_customer):
    # given the owner of the customer
    # when they open the page
    html = page_and_fragments(org["east_rep"], worked_customer)[0]
    # then the follow-up, the task and the correction (by the field's label, old → new) are all there
    assert FOLLOW_UP_CORRECTED in html and TASK_TITLE in html
    assert f"Content:</span> {FOLLOW_UP_TEXT} → {FOLLOW_UP_CORRECTED}" in html
    assert f"Title:</span> {TASK_TITLE} → {TASK_TITLE}（加急）" in html


def test_collaborator_sees_only_the_tasks_in_their_task_scope(org):
    # given east rep's customer on which east rep 2 collaborates, with a task for each of them
    owner, helper = org["east_rep"], org["east_rep2"]
    customer = CustomerFactory(owner=owner, name="协作客户")
    customer.collaborators.add(helper)
    due = timezone.now() + dt.timedelta(days=1)
    services.task_create(actor=owner, data={"title": "甲的私人任务", "customer": customer, "due_at": due})
    services.task_create(actor=helper, data={"title": "乙自己的任务", "customer": customer, "due_at": due})
    services.follow_up_create(actor=owner, customer=customer, data={"content": "双方都能看的跟进"})
    # when the collaborator opens the customer's page, its fragments and the 360 API
    bodies = page_and_fragments(helper, customer)
    api_body = api_text(helper, customer)
    # then their own task and the shared follow-up are there, the owner's task nowhere (as the task list hides it)
    assert "乙自己的任务" in bodies[0] and "双方都能看的跟进" in bodies[0]
    assert "乙自己的任务" in api_body
    for body in [*bodies, api_body]:
        assert "甲的私人任务" not in body
    listed = browser(helper).get("/customers/my-day/").content.decode()
    assert "甲的私人任务" not in listed


def test_changed_relations_and_times_read_as_labels_names_and_local_times(org):
    # given a follow-up whose contact was changed from one contact to another
    rep = org["east_rep"]
    customer = CustomerFactory(owner=rep)
    first, second = ContactFactory(customer=customer, name="王经理"), ContactFactory(customer=customer, name="李总监")
    follow_up = services.follow_up_create(actor=rep, customer=customer, data={"content": "x", "contact": first})
    services.follow_up_update(actor=rep, follow_up=follow_up, data={"contact": second})
    # and a task whose due time moved
    due = timezone.now() + dt.timedelta(days=1)
    task = services.task_create(actor=rep, data={"title": "t", "customer": customer, "due_at": due})
    services.task_update(actor=rep, task=task, data={"due_at": due + dt.timedelta(days=1)})
    # when the owner reads the 360 API
    timeline = api(rep).get(f"/api/v1/customers/{customer.pk}/360").json()["timeline"]
    updates = [e for e in timeline if e["kind"] == "change" and e["title"].startswith("Update")]
    rows = {row["field"]: row for e in updates for row in e["change_rows"]}
    # then the contact change reads with the field's label and the contacts' names
    assert rows["contact"]["label"] == "Contact" and (rows["contact"]["old"], rows["contact"]["new"]) == (
        "王经理",
        "李总监",
    )
    # and the follow-up's creation names its contact, not the contact's id
    created = next(e for e in timeline if e["object_type"] == "customers.followup" and e["title"].startswith("Create"))
    assert {"field": "contact", "label": "Contact", "old": "∅", "new": "王经理"} in created["change_rows"]
    # and a time reads in the reader's zone, not as stored ISO text
    assert "T" not in rows["due_at"]["new"] and rows["due_at"]["label"] == "Due"


def test_a_role_without_the_module_sees_no_entry_of_it_but_its_own_module_entries(org, worked_customer):
    # given a role that reads customers and tasks but not follow-ups, in all data
    role = Role.objects.create(
        code="task_reader", name="Task reader", data_scope=DataScope.ALL, permissions=["customers.view", "tasks.view"]
    )
    reader = UserFactory(username="task_reader", department=org.hq)
    reader.roles.add(role)
    # when they open the page
    html = page_and_fragments(reader, worked_customer)[0]
    # then the task and its change are there, the follow-up and its change are not
    assert TASK_TITLE in html
    assert FOLLOW_UP_TEXT not in html and FOLLOW_UP_CORRECTED not in html


def test_an_entry_whose_object_id_is_no_number_neither_breaks_nor_shows_in_a_narrowed_log(org):
    # given a customer shared with a collaborator, its task for the owner alone, and an entry about a task whose id
    # is no number (an object audited after Django cleared its pk on delete writes "None")
    from django.contrib.contenttypes.models import ContentType

    from guanxi.core.models import AuditLog
    from guanxi.customers.models import Task

    owner, helper = org["east_rep"], org["east_rep2"]
    customer = CustomerFactory(owner=owner, name="协作客户")
    customer.collaborators.add(helper)
    due = timezone.now() + dt.timedelta(days=1)
    services.task_create(actor=owner, data={"title": "甲的私人任务", "customer": customer, "due_at": due})
    odd = AuditLog.objects.create(
        action=AuditLog.Action.DELETE,
        content_type=ContentType.objects.get_for_model(Task),
        object_id="None",
        object_repr="幽灵任务",
        customer_id=customer.pk,
    )
    # when the collaborator, whose task scope is narrower, reads the customer's change log on the page and the API
    bodies = page_and_fragments(helper, customer)
    api_body = api_text(helper, customer)
    # then both answer, without the owner's task nor the entry about no task he may open
    for body in [*bodies, api_body]:
        assert "甲的私人任务" not in body and "幽灵任务" not in body
    # while the owner, who sees every task, is shown both
    owner_page = page_and_fragments(owner, customer)[0]
    assert "甲的私人任务" in owner_page
    assert AuditLog.objects.filter(pk=odd.pk).exists()
