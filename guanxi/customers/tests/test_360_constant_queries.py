"""The customer 360 (the API's /360 and the customer page) asks the same number of queries for a customer with no
contacts, follow-ups, tasks or changes as for one with all of them (issue 13: constant ± 1): no query appears only
when some data exists."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.core.models import AuditLog
from guanxi.customers.models import Attachment, Tag
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory, FollowUpFactory, TaskFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _full(owner, other):
    customer = CustomerFactory(owner=owner, name="满的客户")
    customer.tags.add(Tag.objects.create(name="重点"))
    customer.collaborators.add(other)
    for i in range(3):
        contact = ContactFactory(customer=customer)
        follow_up = FollowUpFactory(
            customer=customer, contact=contact, author=owner, occurred_at=timezone.now() - dt.timedelta(hours=i)
        )
        Attachment.objects.create(follow_up=follow_up, file="attachments/x.pdf", name="x.pdf", size=1)
        TaskFactory(customer=customer, assignee=owner)
        AuditLog.objects.create(actor=owner, action=AuditLog.Action.OTHER, customer_id=customer.pk, message="m")
    return customer


def _queries(client: Client, url: str) -> list[str]:
    client.get(url)  # warm the per-process caches (menu, dictionaries, custom field definitions)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return [re.sub(r"\d+", "N", q["sql"]) for q in ctx.captured_queries]  # the ids aside


@pytest.mark.parametrize("url", ["/api/v1/customers/{}/360", "/customers/{}/"])
def test_the_360_asks_as_many_queries_for_an_empty_customer_as_for_a_full_one(org, url):
    # given an empty customer and a full one (contacts, follow-ups with attachments, tasks, changes, a tag, a
    # collaborator) of the same owner
    rep = org["east_rep"]
    empty = CustomerFactory(owner=rep, name="空的客户")
    full = _full(rep, org["east_manager"])
    client = client_for(rep)
    # when the rep opens each one's 360
    few = _queries(client, url.format(empty.pk))
    many = _queries(client, url.format(full.pk))
    # then both ask the same number of queries (± 1)
    assert abs(len(few) - len(many)) <= 1, "\n\n".join(
        ["ONLY EMPTY:"]
        + [q[:300] for q in few if q not in many]
        + ["ONLY FULL:"]
        + [q[:300] for q in many if q not in few]
    )


def _change(customer, actor, changes, obj=None):
    from django.contrib.contenttypes.models import ContentType

    obj = obj or customer
    return AuditLog.objects.create(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        customer_id=customer.pk,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj),
        changes=changes,
    )


def test_changes_naming_rows_of_many_kinds_ask_as_many_queries_as_one_kind(org):
    # given a customer whose one change names a user, and one whose changes name users, departments, tags and
    # customers (the change log shows each related row's name, looked up through the reader's visibility)
    rep, manager = org["east_rep"], org["east_manager"]
    one = CustomerFactory(owner=rep, name="一种变更")
    _change(one, rep, {"owner": [manager.pk, rep.pk]})
    many = CustomerFactory(owner=rep, name="多种变更")
    tag = Tag.objects.create(name="重点")
    contact = ContactFactory(customer=many, name="王联系")
    _change(many, rep, {"owner": [manager.pk, rep.pk]})
    _change(many, rep, {"department": [manager.department_id, rep.department_id]})
    _change(many, rep, {"tags": [[], [tag.pk]]})
    _change(many, rep, {"customer": [one.pk, many.pk]}, obj=contact)  # a contact moved between customers
    client = client_for(rep)
    url = "/api/v1/customers/{}/360"
    # when the rep opens both 360s
    few = _queries(client, url.format(one.pk))
    more = _queries(client, url.format(many.pk))
    # then the names read as names, and the second asks no more queries than the first: every kind in one query
    text = str(client.get(url.format(many.pk)).json()["timeline"])
    assert str(manager) in text and rep.department.name in text and manager.department.name in text
    assert "重点" in text and "一种变更" in text
    assert len(more) == len(few), "\n\n".join(["ONLY MANY:"] + [q[:300] for q in more if q not in few])
