"""REST API: contacts, follow-up records, tasks and global search."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.core.models import AuditLog
from guanxi.customers.models import Contact, Customer, FollowUp, Task
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory, FollowUpFactory, TaskFactory
from guanxi.org.services import api_token_create

pytestmark = pytest.mark.django_db

JSON = "application/json"


def token_client(user) -> Client:
    _token, secret = api_token_create(actor=user, name="test")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def send(client: Client, method: str, url: str, body: object | None = None, **headers: str):
    data = json.dumps(body) if body is not None else ""
    return getattr(client, method)(url, data=data, content_type=JSON, headers=headers)


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


@pytest.fixture
def rep(org):
    return token_client(org["east_rep"])


@pytest.fixture
def customer(org):
    return CustomerFactory(owner=org["east_rep"], name="北京华信科技有限公司")


# --- contacts --------------------------------------------------------------------------------
def test_contact_create_list_get_update(org, rep, customer):
    body = {"customer_id": customer.pk, "name": "王伟", "mobile": "138-0000-1234", "is_primary": True}
    response = send(rep, "post", "/api/v1/contacts", body, **{"Idempotency-Key": "c1"})
    assert response.status_code == 201, response.content
    contact_id = response.json()["id"]
    # replaying the create makes no second contact
    assert send(rep, "post", "/api/v1/contacts", body, **{"Idempotency-Key": "c1"}).json()["id"] == contact_id
    assert Contact.objects.filter(customer=customer).count() == 1
    # listed by customer and found by phone digits
    listed = rep.get(f"/api/v1/contacts?customer={customer.pk}").json()
    assert [c["id"] for c in listed["items"]] == [contact_id]
    assert rep.get("/api/v1/contacts?q=13800001234").json()["count"] == 1
    # detail with ETag, then a conditional update
    detail = rep.get(f"/api/v1/contacts/{contact_id}")
    assert detail["ETag"] == '"1"'
    updated = send(rep, "patch", f"/api/v1/contacts/{contact_id}", {"title": "采购经理"}, **{"If-Match": '"1"'})
    assert updated.status_code == 200 and updated.json()["title"] == "采购经理"
    stale = send(rep, "patch", f"/api/v1/contacts/{contact_id}", {"title": "总监"}, **{"If-Match": '"1"'})
    assert error_of(stale, 412)["code"] == "precondition_failed"
    assert Contact.objects.get(pk=contact_id).title == "采购经理"


def test_contact_for_a_customer_out_of_reach_is_400_on_customer_id(org, rep):
    other = CustomerFactory(owner=org["west_rep"])
    error = error_of(send(rep, "post", "/api/v1/contacts", {"customer_id": other.pk, "name": "x"}), 400)
    assert "customer_id" in error["fields"]
    assert not Contact.objects.exists()


def test_contact_bad_input(org, rep, customer):
    error = error_of(send(rep, "post", "/api/v1/contacts", {"customer_id": customer.pk, "birthday": "1990-02-31"}), 422)
    assert {"name", "birthday"} <= set(error["fields"])
    assert "is_decision_maker" in error_of(rep.get("/api/v1/contacts?is_decision_maker=maybe"), 422)["fields"]


def test_contact_delete_needs_permission(org, rep, customer):
    contact = ContactFactory(customer=customer)
    audit_before = AuditLog.objects.count()
    # a rep may not delete contacts: 403 and nothing changes
    assert error_of(rep.delete(f"/api/v1/contacts/{contact.pk}"), 403)["code"] == "permission_denied"
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert AuditLog.objects.count() == audit_before
    # their manager may
    assert token_client(org["east_manager"]).delete(f"/api/v1/contacts/{contact.pk}").status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()


# --- follow-ups ------------------------------------------------------------------------------
def test_log_a_follow_up(org, rep, customer):
    contact = ContactFactory(customer=customer)
    when = (timezone.now() - dt.timedelta(hours=2)).replace(microsecond=0)
    body = {
        "customer_id": customer.pk,
        "contact_id": contact.pk,
        "method": "visit",
        "occurred_at": when.isoformat(),
        "content": "上门拜访，确认了采购预算",
        "next_follow_up_on": "2030-03-01",
    }
    response = send(rep, "post", "/api/v1/follow-ups", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["author"]["id"] == org["east_rep"].pk
    assert data["contact_id"] == contact.pk
    # the customer's last contact moved to it
    customer.refresh_from_db()
    assert customer.last_contact_at == when
    assert customer.next_follow_up_on == dt.date(2030, 3, 1)
    # listed with filters
    listed = rep.get(f"/api/v1/follow-ups?customer={customer.pk}&method=visit&after={when.date()}").json()
    assert [f["id"] for f in listed["items"]] == [data["id"]]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"content": "x", "occurred_at": "2024-01-01T10:00:00"}, 422, "occurred_at"),
        ({"content": "x", "method": "pigeon"}, 422, "method"),
        ({"content": ""}, 422, "content"),
        ({"content": "x", "occurred_at": "2999-01-01T10:00:00+08:00"}, 400, "occurred_at"),
    ],
)
def test_follow_up_bad_input(org, rep, customer, body, status, field):
    error = error_of(send(rep, "post", "/api/v1/follow-ups", {"customer_id": customer.pk, **body}), status)
    assert field in error["fields"]
    assert not FollowUp.objects.exists()


def test_follow_up_with_another_customers_contact_is_400(org, rep, customer):
    stranger = ContactFactory(customer=CustomerFactory(owner=org["east_rep"]))
    body = {"customer_id": customer.pk, "contact_id": stranger.pk, "content": "x"}
    assert "contact" in error_of(send(rep, "post", "/api/v1/follow-ups", body), 400)["fields"]


def test_only_the_author_may_edit_or_delete_a_follow_up(org, rep, customer):
    # given the rep's follow-up, which their manager can see
    follow_up = FollowUpFactory(customer=customer, author=org["east_rep"], content="原始记录")
    manager = token_client(org["east_manager"])
    assert manager.get(f"/api/v1/follow-ups/{follow_up.pk}").status_code == 200
    audit_before = AuditLog.objects.count()
    # then the manager may neither edit nor delete it
    assert error_of(send(manager, "patch", f"/api/v1/follow-ups/{follow_up.pk}", {"content": "改"}), 403)
    assert error_of(manager.delete(f"/api/v1/follow-ups/{follow_up.pk}"), 403)["code"] == "permission_denied"
    follow_up.refresh_from_db()
    assert (follow_up.content, follow_up.version, follow_up.deleted_at) == ("原始记录", 1, None)
    assert AuditLog.objects.count() == audit_before
    # while the author may
    response = send(rep, "patch", f"/api/v1/follow-ups/{follow_up.pk}", {"content": "更正"}, **{"If-Match": '"1"'})
    assert response.status_code == 200 and response.json()["content"] == "更正"


# --- tasks -----------------------------------------------------------------------------------
def test_task_create_done_and_filters(org, rep, customer):
    due = (timezone.now() + dt.timedelta(days=1)).isoformat()
    response = send(rep, "post", "/api/v1/tasks", {"title": "发报价", "due_at": due, "customer_id": customer.pk})
    assert response.status_code == 201, response.content
    task_id = response.json()["id"]
    assert response.json()["assignee"]["id"] == org["east_rep"].pk
    assert [t["id"] for t in rep.get("/api/v1/tasks?done=false").json()["items"]] == [task_id]
    # tick it off
    done = send(rep, "post", f"/api/v1/tasks/{task_id}/done", **{"If-Match": '"1"'})
    assert done.status_code == 200, done.content
    assert done.json()["done"] is True and done.json()["done_at"]
    assert rep.get("/api/v1/tasks?done=false").json()["count"] == 0
    # and reopen it
    reopened = send(rep, "post", f"/api/v1/tasks/{task_id}/done", {"done": False})
    assert reopened.json()["done"] is False
    assert Task.objects.get(pk=task_id).version == 3


def test_task_for_someone_else_needs_assign(org, rep):
    due = (timezone.now() + dt.timedelta(days=1)).isoformat()
    body = {"title": "帮忙", "due_at": due, "assignee_id": org["east_rep2"].pk}
    assert error_of(send(rep, "post", "/api/v1/tasks", body), 403)["code"] == "permission_denied"
    assert not Task.objects.exists()
    manager = token_client(org["east_manager"])
    assert send(manager, "post", "/api/v1/tasks", body).status_code == 201
    assert Task.objects.get().assignee == org["east_rep2"]


def test_task_bad_input_and_scope(org, rep):
    assert "due_at" in error_of(send(rep, "post", "/api/v1/tasks", {"title": "x"}), 422)["fields"]
    assert "due_before" in error_of(rep.get("/api/v1/tasks?due_before=31/12/2024"), 400)["fields"]
    others = TaskFactory(assignee=org["west_rep"], title="别人的任务")
    assert rep.get(f"/api/v1/tasks/{others.pk}").status_code == 404
    assert send(rep, "post", f"/api/v1/tasks/{others.pk}/done").status_code == 404
    others.refresh_from_db()
    assert others.done is False


def test_task_delete(org):
    task = TaskFactory(assignee=org["east_rep"])
    manager = token_client(org["east_manager"])
    assert manager.delete(f"/api/v1/tasks/{task.pk}", headers={"If-Match": '"1"'}).status_code == 204
    assert not Task.objects.filter(pk=task.pk).exists()


# --- search ----------------------------------------------------------------------------------
def test_search_groups_results_and_respects_scope(org, rep, customer):
    ContactFactory(customer=customer, name="华信张经理")
    CustomerFactory(owner=org["west_rep"], name="华信西部分公司")
    response = rep.get("/api/v1/search", {"q": "华信"})
    assert response.status_code == 200, response.content
    groups = {g["key"]: g for g in response.json()["groups"]}
    assert [h["title"] for h in groups["customers"]["hits"]] == ["北京华信科技有限公司"]
    assert [h["title"] for h in groups["contacts"]["hits"]] == ["华信张经理"]
    assert groups["customers"]["label"] == "Customers"
    # pinyin initials work too
    assert rep.get("/api/v1/search", {"q": "bjhx"}).json()["groups"][0]["hits"][0]["title"] == "北京华信科技有限公司"


def test_search_needs_a_query(org, rep):
    assert "q" in error_of(rep.get("/api/v1/search"), 422)["fields"]
    assert rep.get("/api/v1/search", {"q": "   "}).json()["groups"] == []


def test_customers_list_counts_only_visible_rows(org, rep):
    CustomerFactory(owner=org["west_rep"])
    assert rep.get("/api/v1/customers").json()["count"] == Customer.objects.filter(owner=org["east_rep"]).count()
