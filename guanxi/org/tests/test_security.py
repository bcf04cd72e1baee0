"""Sign-in security: password hashing, login throttling, login history, idle sessions, safe
redirects, POST-only logout, the language switch and password change."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guanxi.core.models import AuditLog
from guanxi.org import services
from guanxi.org.middleware import IdleSessionTimeoutMiddleware
from guanxi.org.models import LoginEvent, User
from guanxi.org.tests.factories import PASSWORD


def _login(client: Client, username: str, password: str, **extra):
    return client.post(reverse("org:login"), {"username": username, "password": password, **extra})


# --- hashing ----------------------------------------------------------------------------------
def test_base_settings_hash_passwords_with_argon2_first():
    from guanxi.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_a_new_users_password_is_stored_as_an_argon2_hash(settings, default_roles):
    # given the production hasher list (tests normally use a fast one)
    from guanxi.settings import base

    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    # when an account is opened
    user = services.user_create(actor=None, username="hashme", password="Sunny-Garden-73", name="哈希")
    # then the stored password is an argon2 hash that checks out
    user.refresh_from_db()
    assert user.password.startswith("argon2")
    assert user.check_password("Sunny-Garden-73")


# --- throttling -------------------------------------------------------------------------------
@pytest.fixture
def throttle(settings):
    settings.GUANXI_LOGIN_MAX_FAILURES = 3
    settings.GUANXI_LOGIN_LOCKOUT_MINUTES = 15
    return settings


def test_after_too_many_failures_even_the_right_password_is_refused_until_the_window_passes(client, org, throttle):
    # given three wrong passwords for east_rep
    for _ in range(3):
        r = _login(client, "east_rep", "wrong-password")
        assert "User name or password is wrong" in r.content.decode()

    # when the right password is sent
    r = _login(client, "east_rep", PASSWORD)
    # then sign-in is refused, and the page says the account is locked and for how long
    body = r.content.decode()
    assert r.status_code == 200 and "_auth_user_id" not in client.session
    assert "this account is locked for 15 minutes" in body
    assert LoginEvent.objects.filter(username="east_rep", success=False, reason="locked").count() == 1

    # when the failures are older than the lockout window (time moved on)
    LoginEvent.objects.filter(username="east_rep", success=False).update(at=timezone.now() - dt.timedelta(minutes=16))
    # then the right password works again
    r = _login(client, "east_rep", PASSWORD)
    assert r.status_code == 302 and int(client.session["_auth_user_id"]) == org["east_rep"].pk


def test_the_lock_is_still_on_just_inside_the_window(client, org, throttle):
    for _ in range(3):
        _login(client, "east_rep", "wrong-password")
    LoginEvent.objects.filter(username="east_rep").update(at=timezone.now() - dt.timedelta(minutes=14))
    r = _login(client, "east_rep", PASSWORD)
    assert r.status_code == 200 and "locked" in r.content.decode()


def test_a_successful_login_resets_the_failure_counter(client, org, throttle):
    # given two failures, then a success, then two more failures
    for _ in range(2):
        _login(client, "east_rep", "wrong-password")
    assert _login(client, "east_rep", PASSWORD).status_code == 302
    client.post(reverse("org:logout"))
    for _ in range(2):
        _login(client, "east_rep", "wrong-password")
    # when the right password is sent
    r = _login(client, "east_rep", PASSWORD)
    # then it works: only failures after the last success count
    assert r.status_code == 302


def test_locking_one_account_does_not_lock_another(client, org, throttle):
    for _ in range(3):
        _login(client, "east_rep", "wrong-password")
    assert _login(client, "east_rep2", PASSWORD).status_code == 302


def test_every_attempt_is_in_login_history_with_ip_and_in_the_audit_trail(org):
    # given a browser at a known address
    client = Client(REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="TestBrowser/1.0")
    # when someone fails once, with an unknown name once, and succeeds once
    _login(client, "east_rep", "wrong-password")
    _login(client, "no_such_user", "whatever")
    _login(client, "east_rep", PASSWORD)
    # then login history has all three with IP, browser and success flag
    events = list(LoginEvent.objects.order_by("at", "id").values_list("username", "success", "ip", "user_agent"))
    assert events == [
        ("east_rep", False, "203.0.113.7", "TestBrowser/1.0"),
        ("no_such_user", False, "203.0.113.7", "TestBrowser/1.0"),
        ("east_rep", True, "203.0.113.7", "TestBrowser/1.0"),
    ]
    # and the audit trail has the same attempts
    actions = list(AuditLog.objects.order_by("id").values_list("action", "ip"))
    assert actions == [
        ("login_failed", "203.0.113.7"),
        ("login_failed", "203.0.113.7"),
        ("login", "203.0.113.7"),
    ]


# --- idle sessions ----------------------------------------------------------------------------
def test_an_idle_session_is_signed_out_and_sent_to_sign_in_with_a_message(client, org, settings):
    settings.GUANXI_IDLE_TIMEOUT_MINUTES = 30
    # given a signed-in user whose last request was a few minutes ago
    assert _login(client, "east_rep", PASSWORD).status_code == 302
    session = client.session
    session[IdleSessionTimeoutMiddleware.SESSION_KEY] = time.time() - 5 * 60
    session.save()
    assert client.get(reverse("org:profile")).status_code == 200

    # when the session has been idle longer than the limit
    session = client.session
    session[IdleSessionTimeoutMiddleware.SESSION_KEY] = time.time() - 31 * 60
    session.save()
    r = client.get(reverse("org:profile"))

    # then the user is signed out and sent to sign in, coming back to the same page afterwards
    assert r.status_code == 302
    assert r["Location"] == f"{reverse('org:login')}?next=%2Faccount%2F"
    assert "_auth_user_id" not in client.session
    # and the sign-in page explains why
    page = client.get(r["Location"]).content.decode()
    assert "You were signed out after 30 minutes without activity" in page


def test_an_idle_htmx_request_is_told_to_reload_the_sign_in_page(client, org, settings):
    _login(client, "east_rep", PASSWORD)
    session = client.session
    session[IdleSessionTimeoutMiddleware.SESSION_KEY] = time.time() - (settings.GUANXI_IDLE_TIMEOUT_MINUTES + 1) * 60
    session.save()
    r = client.get(reverse("org:profile"), HTTP_HX_REQUEST="true")
    assert r.status_code == 204 and r["HX-Redirect"].startswith(reverse("org:login"))


def _session_writes(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    sql = [q["sql"] for q in ctx.captured_queries]
    return [s for s in sql if "django_session" in s and not s.startswith("SELECT")]


def test_a_second_request_within_the_minute_does_not_write_the_session(client, org):
    # given a signed-in user whose last-seen stamp was written just now
    _login(client, "east_rep", PASSWORD)
    client.get(reverse("org:profile"))
    stamp = client.session[IdleSessionTimeoutMiddleware.SESSION_KEY]
    # when they make another request within the minute, the session row is not written
    assert _session_writes(client, reverse("org:profile")) == []
    assert client.session[IdleSessionTimeoutMiddleware.SESSION_KEY] == stamp


def test_a_request_a_minute_later_moves_the_last_seen_stamp(client, org):
    _login(client, "east_rep", PASSWORD)
    session = client.session
    session[IdleSessionTimeoutMiddleware.SESSION_KEY] = time.time() - IdleSessionTimeoutMiddleware.STAMP_EVERY - 1
    session.save()
    assert len(_session_writes(client, reverse("org:profile"))) == 1
    assert time.time() - client.session[IdleSessionTimeoutMiddleware.SESSION_KEY] < 10


# --- redirects, logout ------------------------------------------------------------------------
def test_sign_in_refuses_an_open_redirect(client, org):
    r = _login(client, "east_rep", PASSWORD, next="https://evil.example/phish")
    assert r.status_code == 302 and r["Location"] == "/"
    client.post(reverse("org:logout"))
    r = client.post(reverse("org:login") + "?next=//evil.example", {"username": "east_rep", "password": PASSWORD})
    assert r["Location"] == "/"
    client.post(reverse("org:logout"))
    # but a page of our own is fine
    r = _login(client, "east_rep", PASSWORD, next="/account/")
    assert r["Location"] == "/account/"


def test_logout_is_post_only_and_audited(client, org):
    _login(client, "east_rep", PASSWORD)
    # when a page (or an <img src>) sends GET /logout/
    r = client.get(reverse("org:logout"))
    # then nothing happens: the method is not allowed and the session stays
    assert r.status_code == 405 and "_auth_user_id" in client.session
    # when the sign-out button posts
    r = client.post(reverse("org:logout"))
    assert r.status_code == 302 and "_auth_user_id" not in client.session
    assert AuditLog.objects.filter(action="logout", actor=org["east_rep"]).count() == 1


# --- language, password -----------------------------------------------------------------------
def test_language_switch_stays_on_the_page_and_persists_for_the_user(client, org):
    _login(client, "east_rep", PASSWORD)
    # when the user switches to Chinese on the account page
    r = client.post(reverse("org:set_language"), {"language": "zh-hans", "next": "/account/?tab=1"})
    # then they stay on that page, and the choice is kept on their account
    assert r.status_code == 302 and r["Location"] == "/account/?tab=1"
    assert User.objects.get(pk=org["east_rep"].pk).language == "zh-hans"
    # and the next page is served in Chinese, even from a fresh browser
    other = Client()
    other.force_login(org["east_rep"])
    assert other.get(reverse("org:profile"))["Content-Language"] == "zh-hans"
    # and an outside `next` is not followed
    r = client.post(reverse("org:set_language"), {"language": "en", "next": "https://evil.example/"})
    assert r["Location"] == "/"


def test_password_change_works_and_is_audited(client, org):
    _login(client, "east_rep", PASSWORD)
    before = AuditLog.objects.count()
    # when the old password is wrong, nothing changes
    r = client.post(
        reverse("org:password_change"),
        {"old_password": "nope", "new_password1": "Quiet-River-91", "new_password2": "Quiet-River-91"},
    )
    assert r.status_code == 200 and "old_password" in r.context["form"].errors
    assert AuditLog.objects.count() == before
    # when it is right
    r = client.post(
        reverse("org:password_change"),
        {"old_password": PASSWORD, "new_password1": "Quiet-River-91", "new_password2": "Quiet-River-91"},
    )
    # then the new password is set, the session survives, and one masked audit row is written
    assert r.status_code == 302 and r["Location"] == reverse("org:profile")
    assert client.get(reverse("org:profile")).status_code == 200
    assert User.objects.get(pk=org["east_rep"].pk).check_password("Quiet-River-91")
    entry = AuditLog.objects.get(pk__gt=0, action="update", object_id=str(org["east_rep"].pk))
    assert entry.changes == {"password": ["***", "***"]} and entry.actor == org["east_rep"]


def test_session_cookie_is_http_only_and_samesite():
    assert django_settings.SESSION_COOKIE_HTTPONLY and django_settings.SESSION_COOKIE_SAMESITE == "Lax"
