"""Text a person reads later is shown in the reader's language (STYLE.md rule 19): audit lines written by one
user read by administrators in Chinese and in English, and role names in /api/v1/me."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.core.models import AuditLog
from guanxi.org.services import api_token_create, api_token_revoke, role_create
from guanxi.org.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _web(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _token_client(user: Any, **headers: str) -> Client:
    _token, secret = api_token_create(actor=user, name="script")
    return Client(headers={"Authorization": f"Bearer {secret}", **headers})


def test_an_audit_line_is_read_in_each_readers_language(org: Any) -> None:
    # given a Chinese-speaking rep who revoked a token (the line was written in Chinese)
    writer = org["east_rep"]
    type(writer).objects.filter(pk=writer.pk).update(language="zh-hans")
    writer.refresh_from_db()
    token, _secret = api_token_create(actor=writer, name="报表脚本")
    api_token_revoke(actor=writer, token=token)
    row = AuditLog.objects.get(action=AuditLog.Action.DELETE, object_id=str(token.pk))
    assert row.message_id == "API token revoked"
    # and two administrators, one reading English and one Chinese
    english_admin = org["admin"]
    chinese_admin = UserFactory(username="admin_zh", department=org.hq, roles=["administrator"], language="zh-hans")
    # when each opens the audit trail
    english = _web(english_admin).get(reverse("org:audit_list")).content.decode()
    chinese = _web(chinese_admin).get(reverse("org:audit_list")).content.decode()
    # then each reads the line in their own language
    assert "API token revoked" in english and "API 令牌已吊销" not in english
    assert "API 令牌已吊销" in chinese and "API token revoked" not in chinese
    # and the export speaks the exporter's language too
    exported = _web(english_admin).get(reverse("org:audit_export")).content.decode("utf-8-sig")
    assert "API token revoked" in exported


def test_me_gives_default_role_names_in_the_users_language(org: Any) -> None:
    # given a manager who reads Chinese, with a default role and a role an administrator named in English
    manager = org["east_manager"]
    type(manager).objects.filter(pk=manager.pk).update(language="zh-hans")
    manager.refresh_from_db()
    custom = role_create(actor=org["admin"], name="Key accounts", permissions=["customers.view"], data_scope="all")
    manager.roles.add(custom)
    # when their script asks who it is
    data = _token_client(manager).get("/api/v1/me").json()
    # then the default role is named in Chinese and the administrator's role as typed
    names = {r["code"]: r["name"] for r in data["roles"]}
    assert names["department_manager"] == "部门经理"
    assert names[custom.code] == "Key accounts"


def test_me_follows_an_accept_language_header_sent_by_a_script(org: Any) -> None:
    # given a manager whose setting is English
    manager = org["east_manager"]
    # when a script asks in Chinese, and another without saying
    asked = _token_client(manager, **{"Accept-Language": "zh-hans"}).get("/api/v1/me")
    plain = _token_client(manager).get("/api/v1/me")
    # then the first answer is Chinese, the second in the user's own language
    assert asked["Content-Language"] == "zh-hans" and asked.json()["roles"][0]["name"] == "部门经理"
    assert plain["Content-Language"] == "en" and plain.json()["roles"][0]["name"] == "Department manager"


def test_sign_in_lines_are_read_in_each_readers_language(org: Any) -> None:
    # given a failed and then a successful sign-in of the east rep through the login page
    rep = org["east_rep"]
    Client().post(reverse("org:login"), {"username": rep.username, "password": "wrong"})
    Client().post(reverse("org:login"), {"username": rep.username, "password": PASSWORD})
    # and an administrator reading Chinese beside one reading English
    chinese_admin = UserFactory(username="admin_zh", department=org.hq, roles=["administrator"], language="zh-hans")
    # when each opens the audit trail
    english = _web(org["admin"]).get(reverse("org:audit_list")).content.decode()
    chinese = _web(chinese_admin).get(reverse("org:audit_list")).content.decode()
    # then each reads why the first attempt failed in their own language, never a reason code
    assert f"Sign-in as {rep.username} failed: wrong user name or password" in english
    assert f"以 {rep.username} 登录失败：用户名或密码错误" in chinese
    assert "bad_credentials" not in english and "bad_credentials" not in chinese
