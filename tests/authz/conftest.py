"""The harness's world is built once per test module, inside a transaction that is rolled back at the end of
the module; every test runs in a savepoint of it (pytest-django's `db`), so a write one test makes is gone before
the next."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from .world import World, build_world


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        built.clients = {}  # type: ignore[attr-defined]
        for role, user in built.readers.items():
            client = Client()
            client.force_login(user)
            built.clients[role] = client  # type: ignore[attr-defined]
        yield built
        transaction.set_rollback(True)
