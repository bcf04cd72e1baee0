"""Every default role (org's and the sales office's own) × the real-estate trade pages and writes × every bundle,
with the app switched on: what each page shows, nothing the role may not see, and a denied write changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings

from .harness import check_denied_write, check_page, check_write_works
from .pages import PAGES
from .world import World, build_world, grants, role_codes
from .world_realestate import RE_ROLES, add_realestate
from .writes import RE_WRITES

pytestmark = pytest.mark.django_db

ROLES = [*role_codes(), *(r for r in RE_ROLES if r not in role_codes())]


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """The harness's world with real estate on: its roles among the readers, and its records in every bundle."""
    with override_settings(REALESTATE_ENABLED=True):
        grants.cache_clear()  # the sales office's roles exist only now
        try:
            with django_db_blocker.unblock(), transaction.atomic():
                built = build_world()
                add_realestate(built)
                for role, user in built.readers.items():
                    client = Client()
                    client.force_login(user)
                    built.clients[role] = client
                yield built
                transaction.set_rollback(True)
        finally:
            grants.cache_clear()


def _pages() -> list[Any]:
    return [
        pytest.param(page, role, id=f"{page.id}-{role}")
        for page in PAGES
        if page.name.startswith("realestate:")
        for role in ROLES
    ]


@pytest.mark.parametrize(("page", "role"), _pages())
def test_page_shows_what_the_role_may_see(world, page, role):
    # given a reader of the role and the five bundles, each with a unit, a trade of its customer and a receipt
    # when the reader opens the page (once per bundle for a record page)
    # then it shows each record the role may see, and none it may not (marker texts in the HTML)
    check_page(world, page, role)


@pytest.mark.parametrize("write", RE_WRITES, ids=lambda w: w.id)
def test_the_write_works_for_the_administrator(world, write):
    check_write_works(world, write)


@pytest.mark.parametrize(("write", "role"), [pytest.param(w, r, id=f"{w.id}-{r}") for w in RE_WRITES for r in ROLES])
def test_a_denied_write_changes_nothing(world, write, role):
    # given a reader of the role and each bundle the role may not write
    # when the reader posts the same body, then it is refused and nothing changed (record, rows, audit trail)
    check_denied_write(world, write, role)
