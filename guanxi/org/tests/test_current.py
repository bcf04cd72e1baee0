"""`current_user`: the typed user of an API request, the same one the endpoint's authentication chose."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from guanxi.org.current import current_user

from .factories import UserFactory


@pytest.mark.django_db
def test_current_user_is_the_authenticated_user() -> None:
    # given a request the API authenticated (token or session)
    user = UserFactory()
    request = RequestFactory().get("/api/v1/me")
    request.__dict__["auth"] = user  # what django-ninja sets
    # then current_user is that user, typed
    assert current_user(request) == user


def test_an_endpoint_without_authentication_has_no_current_user() -> None:
    request = RequestFactory().get("/api/v1/health")
    with pytest.raises(TypeError):
        current_user(request)


@pytest.mark.django_db
def test_me_answers_through_current_user(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    assert client.get("/api/v1/me").json()["username"] == user.username
