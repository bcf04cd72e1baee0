"""Fixtures of the sales tests: a sales team of three reps, a clean rate-limit cache, an API client."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from guanxi.core.tests.clients import JsonClient
from guanxi.org.models import Department
from guanxi.org.tests.factories import DepartmentFactory, UserFactory


@pytest.fixture(autouse=True)
def _clean_cache() -> Any:
    # The web-form rate limit counts in the (process-wide) cache: every test starts from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_pipeline(request: Any) -> None:
    """Transactional (browser) tests flush the tables between tests, seed data of migration 0004 included:
    put the default pipeline and lost reasons back when they are gone."""
    marker = request.node.get_closest_marker("django_db")
    if not marker or not (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return
    request.getfixturevalue("transactional_db")
    import importlib

    from django.apps import apps

    from guanxi.sales.models import Pipeline

    if not Pipeline.objects.exists():
        seed = importlib.import_module("guanxi.sales.migrations.0004_opportunity_pipelines").seed_default_pipeline
        seed(apps, None)


@pytest.fixture
def south(org: Any) -> dict[str, Any]:
    """华南组: three sales reps (a < b < c by id), managed by a business manager in the same team."""
    team = DepartmentFactory(name="华南组", parent=org.hq, kind=Department.Kind.TEAM)
    boss = UserFactory(username="south_bm", department=team, roles=["business_manager"])
    reps = [UserFactory(username=f"south_{k}", department=team, manager=boss, roles=["sales_rep"]) for k in "abc"]
    team.manager = boss
    team.save(update_fields=["manager"])
    return {"team": team, "boss": boss, "a": reps[0], "b": reps[1], "c": reps[2]}


@pytest.fixture
def api_as() -> Any:
    """api_as(user) → a JSON client for /api/v1/ signed in as that user."""
    return JsonClient
