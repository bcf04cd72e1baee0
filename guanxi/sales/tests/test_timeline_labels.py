"""A follow-up or task logged on a deal reads on the customer's timeline by its label and name, never as a raw
field name or id, and by name only for a reader who may see it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.models import DataScope, Role
from guanxi.org.tests.factories import UserFactory
from guanxi.sales.opportunities import services

pytestmark = pytest.mark.django_db


def timeline_of(user, customer) -> str:
    client = Client()
    client.force_login(user)
    html = client.get(f"/customers/{customer.pk}/", {"type": "change"}).content.decode()
    return html.split('id="timeline"', 1)[1].split('id="tab-details"', 1)[0]


@pytest.fixture
def deal_with_activity(org):
    rep = org["east_rep"]
    customer = CustomerFactory(owner=rep, name="鼎盛制造")
    deal = services.opportunity_create(actor=rep, customer=customer, data={"name": "产线改造"})
    follow_up = services.opportunity_log_follow_up(actor=rep, opportunity=deal, data={"content": "现场勘查完毕"})
    due = timezone.now() + dt.timedelta(days=2)
    task = services.opportunity_add_task(actor=rep, opportunity=deal, data={"title": "提交技术方案", "due_at": due})
    return customer, follow_up, task


def test_a_follow_up_logged_on_a_deal_reads_by_label_and_name(org, deal_with_activity):
    customer, follow_up, task = deal_with_activity
    # when the owner reads the customer's changes
    timeline = timeline_of(org["east_rep"], customer)
    # then the deal's entries name the follow-up and the task, with the labels in the reader's language
    assert f"Follow-up:</span> ∅ → {follow_up}" in timeline
    assert "Task:</span> ∅ → 提交技术方案" in timeline
    # and no raw field name or id is left
    assert "Follow_up" not in timeline and "follow_up" not in timeline
    assert f"→ {follow_up.pk}<" not in timeline and f"→ {task.pk}<" not in timeline


def test_a_reader_of_deals_only_sees_that_something_was_logged_but_not_what(org, deal_with_activity):
    customer, follow_up, _task = deal_with_activity
    # given a role that reads customers and deals but neither follow-ups nor tasks
    permissions = ["customers.view", "opportunities.view"]
    role = Role.objects.create(code="deals_only", name="Deals only", data_scope=DataScope.ALL, permissions=permissions)
    reader = UserFactory(username="deals_reader", department=org.hq)
    reader.roles.add(role)
    # when they read the customer's changes
    timeline = timeline_of(reader, customer)
    # then the deal's entries are there, but the follow-up and the task are hidden
    assert "产线改造" in timeline
    assert "Follow-up:</span> ∅ → (hidden)" in timeline and "Task:</span> ∅ → (hidden)" in timeline
    assert str(follow_up) not in timeline and "提交技术方案" not in timeline and "现场勘查完毕" not in timeline


def test_the_deal_page_shows_its_tasks_only_in_the_readers_task_scope(org, deal_with_activity):
    customer, follow_up, _task = deal_with_activity
    # given a colleague who collaborates on the deal (not on the customer)
    from guanxi.sales.models import Opportunity

    deal = Opportunity.objects.get(customer=customer)
    deal.collaborators.add(org["east_rep2"])
    client = Client()
    client.force_login(org["east_rep2"])
    # when they open the deal's page
    html = client.get(f"/sales/opportunities/{deal.pk}/").content.decode()
    # then the deal is there, but not the owner's task nor the follow-up of a customer they do not collaborate on
    assert "产线改造" in html
    assert "提交技术方案" not in html and "现场勘查完毕" not in html
    # while the owner sees both
    client.force_login(org["east_rep"])
    html = client.get(f"/sales/opportunities/{deal.pk}/").content.decode()
    assert "提交技术方案" in html and "现场勘查完毕" in html
