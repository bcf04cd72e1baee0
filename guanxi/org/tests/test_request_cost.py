"""What every request pays (issue 13 §3): the user read once and not through a proxy, the grants computed once, /me in
a fixed number of queries, and database connections kept between requests."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils.functional import LazyObject

from guanxi.org.middleware import ResolvedUserMiddleware
from guanxi.org.models import Position
from guanxi.org.policies import all_permissions, has_permission, held_permissions

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def test_me_reads_the_user_department_manager_position_and_roles_in_four_queries(org, django_assert_num_queries):
    # given a rep with a department, a manager and a job title, signed in by session
    rep = org["east_rep"]
    rep.position = Position.objects.create(name="客户经理", code="account-manager")
    rep.save(update_fields=["position"])
    client = Client()
    client.force_login(rep)
    client.get("/api/v1/me")  # the session's first stamp is a write; the figure is of a request after it
    # when /me is read: the session, the user, the user with department, manager and title, the roles
    with django_assert_num_queries(4):
        data = client.get("/api/v1/me").json()
    # then everything is there, as before
    assert data["department"]["id"] == org.east.pk
    assert data["manager"]["id"] == org["east_manager"].pk
    assert data["position"] == "客户经理"
    assert [r["code"] for r in data["roles"]] == ["sales_rep"]
    assert data["permissions"] == sorted(p for p in all_permissions() if has_permission(rep, p))


def test_held_permissions_are_the_ones_checked_one_by_one(org):
    # given a manager, a rep, an administrator, a superuser, a closed account and a user without roles
    closed = UserFactory(username="closed", roles=["sales_rep"], is_active=False)
    people = [org["east_manager"], org["east_rep"], org["admin"], UserFactory(is_superuser=True), closed, UserFactory()]
    for user in people:
        # then the one pass over the grants gives exactly what a check per permission gives
        expected = {p for p in all_permissions() if has_permission(user, p)}
        assert held_permissions(user) == expected, user.username
    assert held_permissions(closed) == frozenset()
    assert "customers.view" in held_permissions(org["east_rep"])


def test_after_authentication_the_request_holds_the_user_itself():
    # given a signed-in session
    user = UserFactory()
    client = Client()
    client.force_login(user)
    request = RequestFactory().get("/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    seen = []

    def view(req):
        seen.append(req.user)
        return HttpResponse()

    # when the request passes the session, authentication and the resolving middleware
    SessionMiddleware(AuthenticationMiddleware(ResolvedUserMiddleware(view)))(request)
    # then the view reads the user object, not Django's lazy proxy around it
    assert not isinstance(seen[0], LazyObject)
    assert seen[0] == user


def test_database_connections_are_kept_between_requests():
    # a new SQLite connection per request cost 5-6 ms of CPU (pragmas, the schema read): both databases keep them
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] >= 60
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
