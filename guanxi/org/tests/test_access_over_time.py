"""Access that stays controlled over time: sign-outs (by the user or the idle timeout) in the login history and the
audit trail, and `guanxi roles upgrade` / the roles page for default roles that lack newer modules' grants."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from guanxi.core.models import AuditLog
from guanxi.org.middleware import IdleSessionTimeoutMiddleware
from guanxi.org.models import LoginEvent, Role
from guanxi.org.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _signed_in(username: str) -> Client:
    client = Client(REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="TestBrowser/2.0")
    assert client.post(reverse("org:login"), {"username": username, "password": PASSWORD}).status_code == 302
    return client


# --- sign-outs ----------------------------------------------------------------------------------
def test_an_idle_sign_out_is_in_the_login_history_and_the_audit_trail(org: Any, settings: Any) -> None:
    settings.GUANXI_IDLE_TIMEOUT_MINUTES = 30
    # given a signed-in rep whose session has been idle longer than the limit
    client = _signed_in("east_rep")
    session = client.session
    session[IdleSessionTimeoutMiddleware.SESSION_KEY] = time.time() - 31 * 60
    session.save()
    # when the next request arrives
    assert client.get(reverse("org:profile")).status_code == 302
    # then the login history has the idle sign-out after the sign-in, with the browser's address
    events = list(LoginEvent.objects.order_by("at", "id").values_list("event", "username", "ip", "user_agent"))
    assert events == [
        ("sign_in", "east_rep", "203.0.113.9", "TestBrowser/2.0"),
        ("idle_sign_out", "east_rep", "203.0.113.9", "TestBrowser/2.0"),
    ]
    # and the audit trail has a logout by the rep that says why, in the reader's language
    logout = AuditLog.objects.get(action=AuditLog.Action.LOGOUT)
    assert logout.actor == org["east_rep"] and logout.ip == "203.0.113.9"
    with translation.override("en"):
        assert logout.message_text == "Signed out after 30 minutes without activity"
    with translation.override("zh-hans"):
        assert logout.message_text == "闲置 30 分钟后自动退出"


def test_an_explicit_sign_out_is_in_the_login_history_too_and_does_not_reset_the_failure_count(
    org: Any, settings: Any
) -> None:
    settings.GUANXI_LOGIN_MAX_FAILURES = 2
    # given a signed-in rep
    client = _signed_in("east_rep")
    # when they sign out
    client.post(reverse("org:logout"))
    # then the login history and the audit trail both have it
    assert list(LoginEvent.objects.order_by("id").values_list("event", flat=True)) == ["sign_in", "sign_out"]
    assert AuditLog.objects.filter(action=AuditLog.Action.LOGOUT, actor=org["east_rep"]).count() == 1
    # and two wrong passwords afterwards still lock the account (a sign-out is not a successful sign-in)
    stranger = Client()
    for _ in range(2):
        stranger.post(reverse("org:login"), {"username": "east_rep", "password": "wrong"})
    assert stranger.post(reverse("org:login"), {"username": "east_rep", "password": PASSWORD}).status_code == 200


def test_the_login_history_page_shows_and_filters_sign_outs(org: Any, admin_web: Client, settings: Any) -> None:
    # given a rep who signed in and was signed out for being idle
    client = _signed_in("east_rep")
    session = client.session
    session[IdleSessionTimeoutMiddleware.SESSION_KEY] = time.time() - (settings.GUANXI_IDLE_TIMEOUT_MINUTES + 1) * 60
    session.save()
    client.get(reverse("org:profile"))
    # when the administrator filters the login history by sign-outs
    page = admin_web.get(reverse("org:login_list"), {"result": "sign_out"}).content.decode()
    # then only the sign-out is listed, named as such
    assert "Signed out after inactivity" in page
    rows = page.split('id="list-rows"')[1].split("</tbody>")[0]
    assert "Signed out after inactivity" in rows and "Succeeded" not in rows


# --- default roles and newer modules --------------------------------------------------------------
@pytest.fixture
def older_database(default_roles: None) -> dict[str, list[str]]:
    """Default roles as a database set up before quotes existed has them: without any quotes.* grant."""
    removed: dict[str, list[str]] = {}
    for role in Role.objects.filter(is_system=True).exclude(code="administrator"):
        quotes = sorted(p for p in role.permissions if p.startswith("quotes."))
        if quotes:
            removed[role.code] = quotes
            role.permissions = [p for p in role.permissions if not p.startswith("quotes.")]
            role.save(update_fields=["permissions"])
    return removed


def test_roles_upgrade_shows_the_difference_and_changes_nothing_without_yes(older_database: Any) -> None:
    # given default roles that lack the quotes grants of today's defaults
    before = dict(Role.objects.values_list("code", "permissions"))
    audits = AuditLog.objects.count()
    # when `guanxi roles upgrade` runs without --yes (and nobody at a terminal to confirm)
    out = io.StringIO()
    call_command("roles", "upgrade", stdout=out)
    # then it lists each role with the grants it would add, and changes nothing
    text = out.getvalue()
    assert "sales_rep" in text and "+ quotes.create" in text and "finance" not in text
    assert "--yes" in text
    assert dict(Role.objects.values_list("code", "permissions")) == before
    assert AuditLog.objects.count() == audits


def test_roles_upgrade_with_yes_adds_the_missing_grants_and_audits_each_role(older_database: Any) -> None:
    # given default roles that lack the quotes grants
    # when `guanxi roles upgrade --yes` runs
    out = io.StringIO()
    call_command("roles", "upgrade", "--yes", stdout=out)
    # then every such role holds its default quotes grants again, one permission-change audit row per role
    for code, quotes in older_database.items():
        assert set(quotes) <= set(Role.objects.get(code=code).permissions)
    rows = AuditLog.objects.filter(action=AuditLog.Action.PERMISSION, content_type__model="role")
    assert rows.count() == len(older_database)
    rep = rows.get(object_id=str(Role.objects.get(code="sales_rep").pk))
    assert set(rep.changes["permissions"][1]) - set(rep.changes["permissions"][0]) == set(older_database["sales_rep"])
    # and a second run has nothing left to add
    again = io.StringIO()
    call_command("roles", "upgrade", "--yes", stdout=again)
    assert "nothing to add" in again.getvalue()
    assert rows.count() == len(older_database)


def test_the_roles_page_warns_about_missing_grants_and_an_administrator_can_add_them(
    org: Any, older_database: Any, admin_web: Client
) -> None:
    # given default roles that lack the quotes grants
    # when the administrator opens the roles page
    page = admin_web.get(reverse("org:role_list")).content.decode()
    # then a banner names the roles and the missing permissions
    assert 'id="roles-upgrade"' in page and "Sales rep" in page and "Quotes: Create" in page
    # when they add them
    response = admin_web.post(reverse("org:roles_upgrade"))
    # then the roles are upgraded and the banner is gone
    assert response.status_code == 302
    assert "quotes.create" in Role.objects.get(code="sales_rep").permissions
    assert 'id="roles-upgrade"' not in admin_web.get(reverse("org:role_list")).content.decode()


def test_only_an_administrator_can_upgrade_the_roles(org: Any, older_database: Any, rep_web: Client) -> None:
    # given default roles that lack the quotes grants and a sales rep
    before = dict(Role.objects.values_list("code", "permissions"))
    audits = AuditLog.objects.count()
    # when the rep posts the upgrade
    response = rep_web.post(reverse("org:roles_upgrade"))
    # then it is refused and nothing changed, audit trail included
    assert response.status_code == 403
    assert dict(Role.objects.values_list("code", "permissions")) == before
    assert AuditLog.objects.count() == audits
