"""Fixtures of the API's fuzz run (fuzzing.py and its test files)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from guanxi.org.services import api_token_create
from guanxi.org.tests.factories import DepartmentFactory, UserFactory


@pytest.fixture
def admin_headers(default_roles: None) -> dict[str, str]:
    """An administrator's API token: every operation is open to it, so the fuzzer reaches the code behind the
    permission checks."""
    admin = UserFactory(username="fuzz_admin", department=DepartmentFactory(name="总部"), roles=["administrator"])
    _token, secret = api_token_create(actor=admin, name="fuzz")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def wsgi_app(db: Any) -> Iterator[WSGIHandler]:
    """The project's WSGI application on the test's database transaction: like Django's test client, it
    does not close the connection at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
