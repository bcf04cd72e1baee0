"""Who an API request acts as, typed: `current_user(request)` instead of `request.auth` and a `type: ignore`."""

from __future__ import annotations

from django.http import HttpRequest

from guanxi.core.api import api_user

from .models import User


def current_user(request: HttpRequest) -> User:
    """The user behind the request's API token or browser session (the API's authentication sets it before the
    endpoint runs; an endpoint open to everyone has none and must not ask)."""
    user = api_user(request)
    if not isinstance(user, User):
        raise TypeError("the API authenticated a user that is not guanxi.org.models.User")
    return user
