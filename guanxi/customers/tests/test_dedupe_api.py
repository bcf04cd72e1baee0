"""REST endpoints of duplicate protection, with the same permissions as the UI.

The router is mounted here on a test API with the project's auth and error envelope (the real
mount in guanxi/api/main.py is `api.add_router("", dedupe_router)`).
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import path

from guanxi.core.api import API_AUTH, GuanxiAPI, register_exception_handlers
from guanxi.customers import services
from guanxi.customers.dedupe.api import router
from guanxi.customers.dedupe.services import DuplicateBlocked, customer_keys_rebuild, registration_conflicts_forget
from guanxi.customers.models import Customer, DedupeRule, RegistrationConflict
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.services import api_token_create
from guanxi.urls import urlpatterns as project_urls

test_api = GuanxiAPI(
    title="dedupe test", version="test", urls_namespace="dedupe-test-api", auth=API_AUTH, docs_url=None
)
register_exception_handlers(test_api)
test_api.add_router("", router)
urlpatterns = [path("api/t/", test_api.urls), *project_urls]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]
BASE = "/api/t/dedupe"


@pytest.fixture(autouse=True)
def _no_queued_conflicts():
    registration_conflicts_forget()


def client_of(user) -> Client:
    _token, secret = api_token_create(actor=user, name="t")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def send(client, method, url, body=None):
    return getattr(client, method)(
        url, data=json.dumps(body) if body is not None else "", content_type="application/json"
    )


def keyed(**kwargs):
    c = CustomerFactory(**kwargs)
    customer_keys_rebuild(customer_ids=[c.pk])
    return c


def test_check_reports_actions_and_hides_what_the_caller_may_not_see(org):
    keyed(owner=org["east_rep"], name="华信科技有限公司")
    keyed(owner=org["west_rep"], name="西部客户有限公司", phone="13911112222")
    rep = client_of(org["east_rep"])
    body = send(rep, "post", f"{BASE}/check", {"name": "华信科技股份有限公司"}).json()
    assert body["blocked"] is True and body["matches"][0]["customer_name"] == "华信科技有限公司"
    body = send(rep, "post", f"{BASE}/check", {"name": "无关", "contacts": [{"mobile": "+8613911112222"}]}).json()
    assert body == {
        "blocked": False,
        "needs_confirmation": True,
        "matches": [
            {
                "kind": "phone",
                "field": "contacts.0.mobile",
                "value": "13911112222",
                "action": "warn",
                "customer_id": None,
                "customer_name": None,
                "owner_name": None,
                "in_pool": False,
                "similarity": None,
                "message": body["matches"][0]["message"],
            }
        ],
    }
    assert "another rep" in body["matches"][0]["message"]
    # bad input: unknown fields and too-long values are a 422 naming the field
    response = send(rep, "post", f"{BASE}/check", {"name": "x" * 201, "owner": 1})
    assert response.status_code == 422 and {"name", "owner"} <= set(response.json()["error"]["fields"])


def test_conflicts_list_and_decide(org):
    first = services.customer_create(actor=org["east_rep"], data={"name": "冲突公司"})
    with pytest.raises(DuplicateBlocked):
        services.customer_create(actor=org["west_rep"], data={"name": "冲突有限公司"})
    conflict = RegistrationConflict.objects.get()
    manager = client_of(org["east_manager"])
    body = manager.get(f"{BASE}/conflicts").json()
    assert body["count"] == 1 and body["items"][0]["customer"] == {"id": first.pk, "name": "冲突公司"}
    # reps may not list; the other department's manager sees nothing and cannot decide
    assert client_of(org["west_rep"]).get(f"{BASE}/conflicts").status_code == 403
    assert client_of(org["west_manager"]).get(f"{BASE}/conflicts").json()["count"] == 0
    response = send(
        client_of(org["west_manager"]), "post", f"{BASE}/conflicts/{conflict.pk}/decide", {"decision": "joint"}
    )
    assert response.status_code == 404
    # dismissing needs a note
    response = send(manager, "post", f"{BASE}/conflicts/{conflict.pk}/decide", {"decision": "dismiss"})
    assert response.status_code == 400 and "note" in response.json()["error"]["fields"]
    response = send(manager, "post", f"{BASE}/conflicts/{conflict.pk}/decide", {"decision": "joint"})
    assert response.status_code == 200 and response.json()["status"] == "joint"
    assert list(first.collaborators.all()) == [org["west_rep"]]
    response = send(manager, "post", f"{BASE}/conflicts/{conflict.pk}/decide", {"decision": "joint"})
    assert response.status_code == 409
    assert manager.get(f"{BASE}/conflicts?status=bogus").status_code == 422


def test_groups_merge_and_undo(org):
    a = keyed(owner=org["east_rep"], name="华信科技有限公司", level="B")
    b = keyed(owner=org["east_rep2"], name="华信科技股份有限公司", level="A")
    manager = client_of(org["east_manager"])
    body = manager.get(f"{BASE}/groups?kind=name").json()
    assert body["count"] == 1 and [c["id"] for c in body["items"][0]["customers"]] == [a.pk, b.pk]
    assert manager.get(f"{BASE}/groups?kind=bogus").status_code == 422
    # a rep may not merge; nothing changes
    response = send(client_of(org["east_rep"]), "post", f"{BASE}/merge", {"survivor_id": a.pk, "merged_ids": [b.pk]})
    assert response.status_code == 403 and Customer.objects.count() == 2
    response = send(
        manager, "post", f"{BASE}/merge", {"survivor_id": a.pk, "merged_ids": [b.pk], "fields": {"level": b.pk}}
    )
    assert response.status_code == 201, response.content
    merge = response.json()
    assert merge["survivor"]["id"] == a.pk and merge["merged_ids"] == [b.pk]
    a.refresh_from_db()
    assert a.level == "A" and not Customer.objects.filter(pk=b.pk).exists()
    response = send(manager, "post", f"{BASE}/merges/{merge['id']}/undo")
    assert response.status_code == 200 and response.json()["undone_at"]
    a.refresh_from_db()
    assert a.level == "B" and Customer.objects.filter(pk=b.pk).exists()
    # bad field names are a 422
    response = send(
        manager, "post", f"{BASE}/merge", {"survivor_id": a.pk, "merged_ids": [b.pk], "fields": {"owner": 1}}
    )
    assert response.status_code == 422


def test_rules_read_by_users_and_set_by_admins(org):
    body = client_of(org["east_rep"]).get(f"{BASE}/rules").json()
    assert [(r["kind"], r["action"]) for r in body] == [
        ("credit_code", "block"),
        ("name", "block"),
        ("phone", "warn"),
        ("email", "warn"),
    ]
    change = {"rules": [{"kind": "phone", "action": "block"}, {"kind": "name", "similarity": 80}]}
    assert send(client_of(org["east_manager"]), "put", f"{BASE}/rules", change).status_code == 403
    assert DedupeRule.objects.get(kind="phone").action == "warn"
    body = send(client_of(org["admin"]), "put", f"{BASE}/rules", change).json()
    assert {r["kind"]: (r["action"], r["similarity"]) for r in body}["name"] == ("block", 80)
    assert DedupeRule.objects.get(kind="phone").action == "block"
    bad = {"rules": [{"kind": "name", "similarity": 20}]}
    assert send(client_of(org["admin"]), "put", f"{BASE}/rules", bad).status_code == 422
