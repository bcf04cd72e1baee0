"""REST API: the signed-in user, the user directory, departments, API tokens and notifications."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from guanxi.core.models import AuditLog, Notification
from guanxi.core.services import notify
from guanxi.org.models import ApiToken
from guanxi.org.services import api_token_create

pytestmark = pytest.mark.django_db

JSON = "application/json"


def token_client(user) -> Client:
    _token, secret = api_token_create(actor=user, name="test")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def send(client: Client, method: str, url: str, body: object | None = None, **headers: str):
    data = json.dumps(body) if body is not None else ""
    return getattr(client, method)(url, data=data, content_type=JSON, headers=headers)


# --- me --------------------------------------------------------------------------------------
def test_me_lists_roles_and_permissions(org):
    data = token_client(org["east_manager"]).get("/api/v1/me").json()
    assert data["username"] == "east_manager"
    assert data["department"]["id"] == org.east.pk
    assert [r["code"] for r in data["roles"]] == ["department_manager"]
    assert "customers.delete" in data["permissions"]
    assert "org.admin" not in data["permissions"]


def test_me_answers_in_the_users_language(org):
    # given a user who chose Chinese
    user = org["east_rep"]
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    response = token_client(user).get("/api/v1/me")
    assert response["Content-Language"] == "zh-hans"


# --- tokens ----------------------------------------------------------------------------------
def test_token_lifecycle(org):
    user = org["east_rep"]
    client = token_client(user)
    # create: the secret is shown once
    created = send(client, "post", "/api/v1/tokens", {"name": "报表脚本", "read_only": True})
    assert created.status_code == 201, created.content
    token = created.json()
    assert token["secret"].startswith("gx_") and token["read_only"] is True
    assert token["key_prefix"] == token["secret"][:10]
    # list: own tokens only, without secrets
    token_client(org["east_rep2"])
    listed = client.get("/api/v1/tokens").json()
    assert {t["name"] for t in listed} == {"test", "报表脚本"}
    assert all("secret" not in t for t in listed)
    # revoke
    response = client.delete(f"/api/v1/tokens/{token['id']}")
    assert response.status_code == 204
    assert ApiToken.objects.get(pk=token["id"]).revoked_at is not None
    assert Client(headers={"Authorization": f"Bearer {token['secret']}"}).get("/api/v1/me").status_code == 401
    assert AuditLog.objects.filter(action=AuditLog.Action.DELETE, object_id=str(token["id"])).count() == 1


def test_cannot_revoke_someone_elses_token(org):
    other, _secret = api_token_create(actor=org["east_rep2"], name="theirs")
    response = token_client(org["east_rep"]).delete(f"/api/v1/tokens/{other.pk}")
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


def test_token_needs_a_name(org):
    response = send(token_client(org["east_rep"]), "post", "/api/v1/tokens", {"name": ""})
    assert response.status_code == 422
    assert "name" in response.json()["error"]["fields"]
    response = send(token_client(org["east_rep"]), "post", "/api/v1/tokens", {"name": "x", "expires_at": "tomorrow"})
    assert "expires_at" in response.json()["error"]["fields"]


# --- users and departments -------------------------------------------------------------------
def test_user_directory_with_filters(org):
    client = token_client(org["east_rep"])
    everyone = client.get("/api/v1/users?limit=200").json()
    assert everyone["count"] >= 10
    names = {u["username"] for u in client.get("/api/v1/users?q=west").json()["items"]}
    assert names == {"west_manager", "west_rep"}
    east = {u["username"] for u in client.get(f"/api/v1/users?department={org.east.pk}").json()["items"]}
    assert {"east_rep", "team_rep", "east_manager"} <= east
    assert "west_rep" not in east
    user = client.get(f"/api/v1/users/{org['west_rep'].pk}").json()
    assert user["department"]["name"] == org.west.name
    assert user["manager"]["id"] == org["west_manager"].pk


def test_closed_accounts_are_hidden_from_non_admins(org):
    org["west_rep"].is_active = False
    org["west_rep"].save(update_fields=["is_active"])
    assert token_client(org["east_rep"]).get(f"/api/v1/users/{org['west_rep'].pk}").status_code == 404
    assert token_client(org["admin"]).get(f"/api/v1/users/{org['west_rep'].pk}").status_code == 200


def test_partner_users_see_only_their_organisation(org):
    client = token_client(org["agent_rep"])
    names = {u["username"] for u in client.get("/api/v1/users").json()["items"]}
    assert names == {"agent_rep"}
    assert client.get(f"/api/v1/users/{org['east_rep'].pk}").status_code == 404


def test_departments_tree(org):
    client = token_client(org["east_rep"])
    items = client.get("/api/v1/departments").json()["items"]
    by_name = {d["name"]: d for d in items}
    assert by_name[org.east_team.name]["parent_id"] == org.east.pk
    assert by_name[org.hq.name]["parent_id"] is None
    children = client.get(f"/api/v1/departments?parent={org.east.pk}").json()["items"]
    assert [d["id"] for d in children] == [org.east_team.pk]
    roots = client.get("/api/v1/departments?roots=true").json()["items"]
    assert [d["id"] for d in roots] == [org.hq.pk]
    detail = client.get(f"/api/v1/departments/{org.east.pk}").json()
    assert detail["manager"]["id"] == org["east_manager"].pk
    assert client.get("/api/v1/departments/999999").status_code == 404


# --- notifications ---------------------------------------------------------------------------
def test_notifications_list_count_and_mark_read(org):
    user = org["east_rep"]
    first = notify(recipient=user, kind="test", title="第一条", email=False)
    notify(recipient=user, kind="test", title="第二条", email=False)
    notify(recipient=org["east_rep2"], kind="test", title="别人的", email=False)
    client = token_client(user)
    assert client.get("/api/v1/notifications/unread-count").json() == {"count": 2}
    listed = client.get("/api/v1/notifications?unread=true").json()
    assert {n["title"] for n in listed["items"]} == {"第一条", "第二条"}
    # mark one read
    marked = send(client, "post", "/api/v1/notifications/mark-read", {"ids": [first.pk]})
    assert marked.json() == {"marked": 1}
    assert client.get("/api/v1/notifications/unread-count").json() == {"count": 1}
    # someone else's notification cannot be marked
    theirs = Notification.objects.get(title="别人的")
    assert send(client, "post", "/api/v1/notifications/mark-read", {"ids": [theirs.pk]}).json() == {"marked": 0}
    # mark all
    assert send(client, "post", "/api/v1/notifications/mark-read", {}).json() == {"marked": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.get("/api/v1/notifications").json()["count"] == 2
