"""REST API: customers (list, filters, CRUD, transfer, review, restore, 360, export)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.core.models import AuditLog
from guanxi.customers.models import Attachment, Customer, Tag
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory, FollowUpFactory, TaskFactory
from guanxi.org.services import api_token_create

pytestmark = pytest.mark.django_db

JSON = "application/json"
VALID_CREDIT_CODE = "91350100M000100Y43"


def token_client(user, *, read_only: bool = False) -> Client:
    _token, secret = api_token_create(actor=user, name="test", read_only=read_only)
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


# --- list and filters ------------------------------------------------------------------------
def test_list_shows_only_own_customers_with_paging(org, rep):
    # given customers of two reps
    mine = [CustomerFactory(owner=org["east_rep"], name=f"我的客户{i}") for i in range(3)]
    CustomerFactory(owner=org["west_rep"], name="别人的客户")
    # when the rep lists a page of two
    body = rep.get("/api/v1/customers?limit=2&offset=0&sort=name").json()
    # then the count covers all three of theirs and the page holds two
    assert body["count"] == 3
    assert body["limit"] == 2 and body["offset"] == 0
    assert [c["name"] for c in body["items"]] == sorted(c.name for c in mine)[:2]
    rest = rep.get("/api/v1/customers?limit=2&offset=2&sort=name").json()
    assert [c["name"] for c in rest["items"]] == sorted(c.name for c in mine)[2:]


def test_bench_query_filters_by_level_and_sorts_by_update(org, rep):
    a_old = CustomerFactory(owner=org["east_rep"], level="A")
    a_new = CustomerFactory(owner=org["east_rep"], level="A")
    CustomerFactory(owner=org["east_rep"], level="B")
    Customer.objects.filter(pk=a_old.pk).update(updated_at=timezone.now() - dt.timedelta(days=3))
    body = rep.get("/api/v1/customers?level=A&sort=-updated&limit=50").json()
    assert [c["id"] for c in body["items"]] == [a_new.pk, a_old.pk]
    item = body["items"][0]
    assert item["version"] == 1
    assert item["owner"]["id"] == org["east_rep"].pk
    assert item["created_at"].endswith(("Z", "+08:00", "+00:00"))


def test_list_supports_the_web_lists_filters(org, rep):
    tag = Tag.objects.create(name="重点")
    hit = CustomerFactory(owner=org["east_rep"], name="北京华信科技有限公司", level="A", province="北京")
    hit.tags.add(tag)
    CustomerFactory(owner=org["east_rep"], name="上海某公司", level="A", province="上海")
    CustomerFactory(owner=org["east_rep"], name="北京另一家", level="C", province="北京")

    def names(query: str) -> set[str]:
        response = rep.get(f"/api/v1/customers?{query}")
        assert response.status_code == 200, response.content
        return {c["name"] for c in response.json()["items"]}

    assert names("q=bjhx") == {"北京华信科技有限公司"}
    assert names("level=A&level=C&province=北京") == {"北京华信科技有限公司", "北京另一家"}
    assert names(f"tag={tag.pk}") == {"北京华信科技有限公司"}
    assert names("scene=mine&created_after=2000-01-01") == {"北京华信科技有限公司", "上海某公司", "北京另一家"}
    assert names(f"department={org.east.pk}&status=potential") == {"北京华信科技有限公司", "上海某公司", "北京另一家"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("level=Z", "level"),
        ("created_after=2024-13-45", "created_after"),
        ("last_contact_before=yesterday", "last_contact_before"),
        ("q=%00", "q"),
    ],
)
def test_bad_filter_values_are_400_naming_the_filter(org, rep, query, field):
    error = error_of(rep.get(f"/api/v1/customers?{query}"), 400)
    assert error["code"] == "validation_error"
    assert field in error["fields"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=500", "limit"),
        ("offset=-1", "offset"),
        ("sort=bogus", "sort"),
        ("owner=abc", "owner"),
        (f"tag={10**30}", "tag"),
        ("no_contact_days=-x", "no_contact_days"),
    ],
)
def test_bad_paging_sort_and_ids_are_422_naming_the_parameter(org, rep, query, field):
    error = error_of(rep.get(f"/api/v1/customers?{query}"), 422)
    assert field in error["fields"]


def test_user_without_permission_gets_403(org):
    client = token_client(org["nobody"])
    assert error_of(client.get("/api/v1/customers"), 403)["code"] == "permission_denied"


# --- create ----------------------------------------------------------------------------------
def test_create_customer(org, rep):
    tag = Tag.objects.create(name="新客")
    body = {
        "name": " 杭州  某某 有限公司 ",
        "credit_code": VALID_CREDIT_CODE.lower(),
        "level": "A",
        "source": "exhibition",
        "next_follow_up_on": "2030-01-15",
        "collaborator_ids": [org["east_rep2"].pk],
        "tag_ids": [tag.pk],
    }
    response = send(rep, "post", "/api/v1/customers", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert response["ETag"] == '"1"'
    assert data["name"] == "杭州 某某 有限公司"
    assert data["credit_code"] == VALID_CREDIT_CODE
    assert data["owner"]["id"] == org["east_rep"].pk
    assert data["next_follow_up_on"] == "2030-01-15"
    assert [u["id"] for u in data["collaborators"]] == [org["east_rep2"].pk]
    assert [t["name"] for t in data["tags"]] == ["新客"]
    customer = Customer.objects.get(pk=data["id"])
    assert customer.level == "A" and customer.created_by == org["east_rep"]
    assert AuditLog.objects.filter(action=AuditLog.Action.CREATE, customer_id=customer.pk).count() == 1


def test_create_with_invalid_credit_code_is_400_naming_the_field(org, rep):
    error = error_of(
        send(rep, "post", "/api/v1/customers", {"name": "坏代码", "credit_code": "91350100M000100Y44"}), 400
    )
    assert error["code"] == "validation_error"
    assert "credit_code" in error["fields"]
    assert not Customer.objects.filter(name="坏代码").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"level": "A"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x", "level": "Z"}, "level"),
        ({"name": "x", "status": "sleeping"}, "status"),
        ({"name": "x" * 201}, "name"),
        ({"name": "x", "next_follow_up_on": "2024-02-30"}, "next_follow_up_on"),
        ({"name": "x", "owner_id": "me"}, "owner_id"),
        ({"name": "x", "colour": "red"}, "colour"),
        ({"name": 42}, "name"),
        ({"name": "a\x00b"}, "name"),
    ],
)
def test_create_with_bad_input_is_422_naming_the_field(org, rep, body, field):
    error = error_of(send(rep, "post", "/api/v1/customers", body), 422)
    assert error["code"] == "validation_error"
    assert field in error["fields"], error
    assert Customer.objects.count() == 0


def test_create_with_bad_email_is_400_naming_the_field(org, rep):
    error = error_of(send(rep, "post", "/api/v1/customers", {"name": "x", "email": "not-an-address"}), 400)
    assert "email" in error["fields"]


def test_duplicate_customer_is_409_naming_the_field(org, rep):
    # given a registered customer
    assert send(rep, "post", "/api/v1/customers", {"name": "北京华信科技有限公司"}).status_code == 201
    # when another rep enters the same company
    other = token_client(org["west_rep"])
    response = send(other, "post", "/api/v1/customers", {"name": "北京华信科技有限公司", "confirm_warnings": True})
    # then it is refused with a conflict naming the field, and there is still one row
    error = error_of(response, 409)
    assert error["code"] == "duplicate_blocked"
    assert "name" in error["fields"]
    assert Customer.objects.filter(name="北京华信科技有限公司").count() == 1


def test_create_for_someone_else_needs_assign(org, rep):
    # a rep may not register a customer for a colleague
    response = send(rep, "post", "/api/v1/customers", {"name": "替人录入", "owner_id": org["east_rep2"].pk})
    assert error_of(response, 403)["code"] == "permission_denied"
    assert not Customer.objects.filter(name="替人录入").exists()
    # a manager may
    manager = token_client(org["east_manager"])
    response = send(manager, "post", "/api/v1/customers", {"name": "替人录入", "owner_id": org["east_rep2"].pk})
    assert response.status_code == 201
    assert response.json()["owner"]["id"] == org["east_rep2"].pk


def test_unknown_collaborator_or_tag_is_400_naming_the_field(org, rep):
    error = error_of(send(rep, "post", "/api/v1/customers", {"name": "x", "collaborator_ids": [999999]}), 400)
    assert "collaborator_ids" in error["fields"]
    error = error_of(send(rep, "post", "/api/v1/customers", {"name": "x", "tag_ids": [999999]}), 400)
    assert "tag_ids" in error["fields"]
    assert not Customer.objects.exists()


# --- detail, data scope, update, delete ------------------------------------------------------
def test_get_customer_sends_etag(org, rep):
    customer = CustomerFactory(owner=org["east_rep"])
    response = rep.get(f"/api/v1/customers/{customer.pk}")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert response.json()["version"] == 1


def test_rep_gets_404_for_another_reps_customer_and_cannot_change_it(org, rep):
    # given a customer of a rep in another department
    other = CustomerFactory(owner=org["west_rep"], name="西部客户", level="B")
    manager = token_client(org["east_manager"])  # may delete, but only in the east
    audit_before = AuditLog.objects.count()
    # then reading, editing and deleting it answer 404
    assert error_of(rep.get(f"/api/v1/customers/{other.pk}"), 404)["code"] == "not_found"
    assert rep.get(f"/api/v1/customers/{other.pk}/360").status_code == 404
    assert send(rep, "patch", f"/api/v1/customers/{other.pk}", {"level": "A"}).status_code == 404
    assert manager.delete(f"/api/v1/customers/{other.pk}").status_code == 404
    # (the rep may not delete at all, so for them it is 403 whatever the row)
    assert rep.delete(f"/api/v1/customers/{other.pk}").status_code == 403
    # and nothing changed: not the row, not the audit trail
    other.refresh_from_db()
    assert (other.level, other.name, other.version, other.deleted_at) == ("B", "西部客户", 1, None)
    assert AuditLog.objects.count() == audit_before


def test_denied_write_without_permission_is_403_and_changes_nothing(org):
    # given the executive, who may read all customers but not edit or delete them
    customer = CustomerFactory(owner=org["east_rep"], level="B")
    client = token_client(org["executive"])
    audit_before = AuditLog.objects.count()
    assert client.get(f"/api/v1/customers/{customer.pk}").status_code == 200
    # when they try to edit and delete
    assert error_of(send(client, "patch", f"/api/v1/customers/{customer.pk}", {"level": "A"}), 403)
    assert error_of(client.delete(f"/api/v1/customers/{customer.pk}"), 403)["code"] == "permission_denied"
    # then the row and the audit trail are unchanged
    customer.refresh_from_db()
    assert (customer.level, customer.version, customer.deleted_at) == ("B", 1, None)
    assert AuditLog.objects.count() == audit_before


def test_patch_changes_only_sent_fields_and_bumps_version(org, rep):
    customer = CustomerFactory(owner=org["east_rep"], level="B", city="杭州")
    response = send(rep, "patch", f"/api/v1/customers/{customer.pk}", {"level": "A"}, **{"If-Match": '"1"'})
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    assert response.json()["level"] == "A"
    customer.refresh_from_db()
    assert (customer.level, customer.city, customer.version) == ("A", "杭州", 2)
    entry = AuditLog.objects.get(action=AuditLog.Action.UPDATE, customer_id=customer.pk)
    assert entry.changes == {"level": ["B", "A"]}


def test_stale_if_match_is_412_and_changes_nothing(org, rep):
    # given a customer someone else already changed (version 2)
    customer = CustomerFactory(owner=org["east_rep"], level="B")
    Customer.objects.filter(pk=customer.pk).update(version=2)
    audit_before = AuditLog.objects.count()
    # when the rep saves based on version 1
    response = send(rep, "patch", f"/api/v1/customers/{customer.pk}", {"level": "A"}, **{"If-Match": '"1"'})
    # then 412, and nothing changed
    assert error_of(response, 412)["code"] == "precondition_failed"
    customer.refresh_from_db()
    assert (customer.level, customer.version) == ("B", 2)
    assert AuditLog.objects.count() == audit_before
    # the same with a stale `version` in the body, and on delete
    assert send(rep, "patch", f"/api/v1/customers/{customer.pk}", {"level": "A", "version": 1}).status_code == 412
    manager = token_client(org["east_manager"])
    assert manager.delete(f"/api/v1/customers/{customer.pk}", headers={"If-Match": '"1"'}).status_code == 412
    customer.refresh_from_db()
    assert customer.deleted_at is None and customer.level == "B"


def test_patch_without_if_match_is_allowed(org, rep):
    customer = CustomerFactory(owner=org["east_rep"])
    response = send(rep, "patch", f"/api/v1/customers/{customer.pk}", {"remarks": "无条件更新"})
    assert response.status_code == 200
    assert response.json()["remarks"] == "无条件更新"


def test_patch_replaces_tags_and_collaborators(org, rep):
    customer = CustomerFactory(owner=org["east_rep"])
    tag = Tag.objects.create(name="VIP")
    body = {"tag_ids": [tag.pk], "collaborator_ids": [org["east_rep2"].pk]}
    data = send(rep, "patch", f"/api/v1/customers/{customer.pk}", body).json()
    assert [t["id"] for t in data["tags"]] == [tag.pk]
    assert [u["id"] for u in data["collaborators"]] == [org["east_rep2"].pk]
    data = send(rep, "patch", f"/api/v1/customers/{customer.pk}", {"tag_ids": []}).json()
    assert data["tags"] == []


def test_delete_and_restore(org):
    customer = CustomerFactory(owner=org["east_rep"])
    manager = token_client(org["east_manager"])
    response = manager.delete(f"/api/v1/customers/{customer.pk}", headers={"If-Match": '"1"'})
    assert response.status_code == 204
    assert manager.get(f"/api/v1/customers/{customer.pk}").status_code == 404
    response = manager.post(f"/api/v1/customers/{customer.pk}/restore")
    assert response.status_code == 200, response.content
    assert manager.get(f"/api/v1/customers/{customer.pk}").status_code == 200
    actions = list(AuditLog.objects.filter(customer_id=customer.pk).values_list("action", flat=True))
    assert AuditLog.Action.DELETE in actions and AuditLog.Action.RESTORE in actions


def test_rep_without_delete_permission_gets_403_and_the_row_stays(org, rep):
    customer = CustomerFactory(owner=org["east_rep"])
    audit_before = AuditLog.objects.count()
    assert error_of(rep.delete(f"/api/v1/customers/{customer.pk}"), 403)["code"] == "permission_denied"
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert AuditLog.objects.count() == audit_before


# --- transfer and review ---------------------------------------------------------------------
def test_transfer_moves_customers_in_reach_and_skips_the_rest(org):
    mine = CustomerFactory(owner=org["east_rep"])
    far = CustomerFactory(owner=org["west_rep"])
    manager = token_client(org["east_manager"])
    body = {"ids": [mine.pk, far.pk], "owner_id": org["east_rep2"].pk, "keep_as_collaborator": True}
    response = send(manager, "post", "/api/v1/customers/transfer", body)
    assert response.status_code == 200, response.content
    assert response.json() == {"moved": 1, "skipped": 1}
    mine.refresh_from_db()
    far.refresh_from_db()
    assert mine.owner == org["east_rep2"] and far.owner == org["west_rep"]
    assert org["east_rep"] in mine.collaborators.all()


def test_transfer_needs_assign_permission(org, rep):
    customer = CustomerFactory(owner=org["east_rep"])
    response = send(rep, "post", "/api/v1/customers/transfer", {"ids": [customer.pk], "owner_id": org["east_rep2"].pk})
    assert error_of(response, 403)["code"] == "permission_denied"
    customer.refresh_from_db()
    assert customer.owner == org["east_rep"]


def test_review_approves_or_rejects_pending_customers(org, rep):
    # given a department that reviews new customers
    org.east.requires_customer_review = True
    org.east.save(update_fields=["requires_customer_review"])
    created = send(rep, "post", "/api/v1/customers", {"name": "待审客户"}).json()
    assert created["review_status"] == "pending"
    manager = token_client(org["east_manager"])
    url = f"/api/v1/customers/{created['id']}/review"
    # a rejection needs a reason
    assert "reason" in error_of(send(manager, "post", url, {"approve": False}), 400)["fields"]
    # the rep cannot approve
    assert send(rep, "post", url, {"approve": True}).status_code == 403
    # the manager approves
    response = send(manager, "post", url, {"approve": True})
    assert response.status_code == 200, response.content
    assert response.json()["review_status"] == "active"
    # and a second decision is an invalid state
    assert error_of(send(manager, "post", url, {"approve": True}), 409)["code"] == "invalid_state"


# --- 360 -------------------------------------------------------------------------------------
def test_customer_360_has_contacts_and_timeline(org, rep):
    customer = CustomerFactory(owner=org["east_rep"])
    contact = ContactFactory(customer=customer, name="王经理", is_primary=True)
    FollowUpFactory(customer=customer, content="电话沟通了报价", occurred_at=timezone.now() - dt.timedelta(hours=1))
    TaskFactory(customer=customer, assignee=org["east_rep"], title="寄样品")
    send(rep, "patch", f"/api/v1/customers/{customer.pk}", {"level": "A"})
    response = rep.get(f"/api/v1/customers/{customer.pk}/360")
    assert response.status_code == 200, response.content
    data = response.json()
    assert response["ETag"] == '"2"'
    assert data["customer"]["id"] == customer.pk
    assert [c["id"] for c in data["contacts"]] == [contact.pk]
    kinds = {e["kind"] for e in data["timeline"]}
    assert kinds == {"followup", "task", "change"}
    texts = {e["kind"]: e for e in data["timeline"]}
    assert texts["followup"]["text"] == "电话沟通了报价"
    assert texts["task"]["title"] == "寄样品"
    assert texts["change"]["changes"] == {"level": ["B", "A"]}
    times = [e["at"] for e in data["timeline"]]
    assert times == sorted(times, reverse=True)


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx)


def _add_customers(owner, n: int, tag: Tag) -> None:
    for _ in range(n):
        customer = CustomerFactory(owner=owner)
        customer.tags.add(tag)
        customer.collaborators.add(owner)


def test_customer_list_query_count_does_not_grow_with_rows(org, rep, django_assert_max_num_queries):
    tag = Tag.objects.create(name="批量")
    url = "/api/v1/customers?limit=50&sort=-updated"
    rep.get(url)  # warm up: the token's last-used time is written once a minute
    _add_customers(org["east_rep"], 3, tag)
    few = _count_queries(rep, url)
    _add_customers(org["east_rep"], 27, tag)
    many = _count_queries(rep, url)
    assert few == many
    with django_assert_max_num_queries(7):
        assert len(rep.get(url).json()["items"]) == 30


def _add_activity(customer, owner, n: int) -> None:
    for i in range(n):
        ContactFactory(customer=customer)
        follow_up = FollowUpFactory(customer=customer, author=owner, occurred_at=timezone.now() - dt.timedelta(hours=i))
        Attachment.objects.create(follow_up=follow_up, file="attachments/x.pdf", name="x.pdf", size=1)
        TaskFactory(customer=customer, assignee=owner)
        AuditLog.objects.create(actor=owner, action=AuditLog.Action.OTHER, customer_id=customer.pk, message="m")


def test_customer_360_query_count_does_not_grow_with_rows(org, rep, django_assert_max_num_queries):
    customer = CustomerFactory(owner=org["east_rep"])
    customer.tags.add(Tag.objects.create(name="t"))
    url = f"/api/v1/customers/{customer.pk}/360"
    rep.get(url)
    _add_activity(customer, org["east_rep"], 3)
    few = _count_queries(rep, url)
    _add_activity(customer, org["east_rep"], 27)
    many = _count_queries(rep, url)
    assert few == many
    with django_assert_max_num_queries(12):
        data = rep.get(url).json()
    assert len(data["contacts"]) == 30


# --- export ----------------------------------------------------------------------------------
def test_export_is_formula_safe_and_audited(org, rep):
    CustomerFactory(owner=org["east_rep"], name='=HYPERLINK("http://evil.example","点我")', level="A")
    CustomerFactory(owner=org["east_rep"], name="普通客户", level="B")
    CustomerFactory(owner=org["west_rep"], name="别人的客户", level="A")
    exports_before = AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count()
    # when the rep exports the A-level customers as CSV
    response = rep.get("/api/v1/customers/export?format=csv&level=A")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    names = [row[0] for row in rows[1:]]
    # then only their own A customer is in it, its formula neutralised
    assert names == ['\'=HYPERLINK("http://evil.example","点我")']
    # and the export is in the audit trail
    entry = AuditLog.objects.filter(action=AuditLog.Action.EXPORT).latest("id")
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count() == exports_before + 1
    assert entry.actor == org["east_rep"]


def test_export_xlsx(org, rep):
    from openpyxl import load_workbook

    CustomerFactory(owner=org["east_rep"], name="+86 客户")
    response = rep.get("/api/v1/customers/export?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=2, column=1).value == "'+86 客户"


def test_export_needs_permission_and_valid_format(org):
    finance_like = token_client(org["nobody"])
    assert finance_like.get("/api/v1/customers/export").status_code == 403
    rep = token_client(org["east_rep"])
    assert "format" in error_of(rep.get("/api/v1/customers/export?format=pdf"), 422)["fields"]
    assert not AuditLog.objects.filter(action=AuditLog.Action.EXPORT).exists()


# --- robustness ------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=250))
def test_any_unicode_name_or_query_never_gives_500(org, text):
    client = token_client(org["east_rep"])
    # as a customer name: created, or refused with a field-named 4xx
    response = send(client, "post", "/api/v1/customers", {"name": text})
    assert response.status_code in {201, 400, 409, 422}, response.content
    if response.status_code != 201:
        assert response.json()["error"]["fields"]
    # as a search query and a list filter: never a server error
    for url in ("/api/v1/search", "/api/v1/customers", "/api/v1/contacts"):
        response = client.get(url, {"q": text})
        assert response.status_code in {200, 400, 422}, (url, response.content)


HUGE = 10**30


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", f"/api/v1/customers/{HUGE}", None),
        ("get", f"/api/v1/customers?owner={HUGE}&department={HUGE}&tag={HUGE}", None),
        ("get", f"/api/v1/contacts?customer={HUGE}", None),
        ("get", f"/api/v1/tasks?assignee={HUGE}&customer={HUGE}", None),
        ("get", f"/api/v1/follow-ups?author={HUGE}", None),
        ("get", f"/api/v1/users?department={HUGE}", None),
        ("post", "/api/v1/customers", {"name": "x", "owner_id": HUGE, "tag_ids": [HUGE]}),
        ("post", "/api/v1/customers/transfer", {"ids": [HUGE], "owner_id": HUGE}),
        ("post", "/api/v1/contacts", {"customer_id": HUGE, "name": "x"}),
        ("post", "/api/v1/notifications/mark-read", {"ids": [HUGE]}),
    ],
)
def test_out_of_range_ids_are_a_client_error_not_500(org, method, url, body):
    client = token_client(org["east_manager"])
    response = send(client, method, url, body)
    assert response.status_code in {400, 404, 422}, response.content
    assert response.json()["error"]["code"] in {"validation_error", "not_found"}


def test_contacts_are_listed_by_their_customers_owner_and_sorted_as_asked(org):
    # given contacts of east_rep's and east_rep2's customers
    mine = [ContactFactory(customer__owner=org["east_rep"], name=n) for n in ("王五", "李四", "张三")]
    ContactFactory(customer__owner=org["east_rep2"], name="赵六")
    api = token_client(org["admin"])
    # when the administrator lists the contacts of east_rep's customers, by name both ways
    asc = api.get("/api/v1/contacts", {"owner": org["east_rep"].pk, "sort": "name"}).json()
    desc = api.get("/api/v1/contacts", {"owner": org["east_rep"].pk, "sort": "-name"}).json()
    # then only those come, in order; a bad owner or sort is a 422 naming the field
    assert asc["count"] == 3 and {i["id"] for i in asc["items"]} == {c.pk for c in mine}
    assert [i["name"] for i in asc["items"]] == ["李四", "王五", "张三"]  # pinyin order: li, wang, zhang
    assert [i["name"] for i in desc["items"]] == ["张三", "王五", "李四"]
    for bad in ({"owner": "x"}, {"sort": "mobile"}):
        r = api.get("/api/v1/contacts", bad)
        assert r.status_code == 422 and next(iter(bad)) in r.content.decode()
    # and a customer that changes hands takes its contacts to the new owner's list
    Customer.objects.filter(pk=mine[0].customer_id).update(owner=org["east_rep2"])
    moved = api.get("/api/v1/contacts", {"owner": org["east_rep2"].pk}).json()
    assert sorted(i["name"] for i in moved["items"]) == sorted(["王五", "赵六"])


def test_the_contact_page_filters_by_the_customers_owner(org, admin_web):
    ContactFactory(customer__owner=org["east_rep"], name="王五")
    ContactFactory(customer__owner=org["east_rep2"], name="赵六")
    page = admin_web.get("/customers/contacts/", {"owner": org["east_rep"].pk}).content.decode()
    assert "王五" in page and "赵六" not in page


def test_the_list_gives_each_customer_its_own_tags_by_name_as_the_detail_does(org, rep):
    # tags_attach fetches a page's tags in one query: every row gets its own, in name order, none for an untagged one
    vip, key, cold = (Tag.objects.create(name=n) for n in ("重点", "VIP", "冷淡"))
    both, one, none = (CustomerFactory(owner=org["east_rep"]) for _ in range(3))
    both.tags.add(vip, key)
    one.tags.add(cold)
    rows = {c["id"]: c for c in rep.get("/api/v1/customers?limit=50").json()["items"]}
    for customer in (both, one, none):
        detail = rep.get(f"/api/v1/customers/{customer.pk}").json()
        assert rows[customer.pk]["tags"] == detail["tags"]
    assert [t["name"] for t in rows[both.pk]["tags"]] == ["VIP", "重点"]
    assert rows[none.pk]["tags"] == []


def test_the_list_shows_what_the_customer_endpoint_shows(org, rep):
    # given customers of the rep with tags (the list reads only the columns its items show: core.schema_columns)
    _add_customers(org["east_rep"], 3, Tag.objects.create(name="重点"))
    items = rep.get("/api/v1/customers?limit=50").json()["items"]
    assert len(items) == 3
    # then each item shows what the customer's own endpoint shows for the same fields
    for item in items:
        detail = rep.get(f"/api/v1/customers/{item['id']}").json()
        assert item == {key: detail[key] for key in item}
        assert item["owner"]["name"] and item["department"]["name"] and item["tags"]
