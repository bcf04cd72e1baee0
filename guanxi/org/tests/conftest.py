"""Fixtures of the organisation tests: a browser signed in as a sales rep (admin_web is in the root conftest)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def rep_web(org: Any) -> Client:
    """A browser signed in as a sales rep (no organisation or audit permissions)."""
    c = Client()
    c.force_login(org["east_rep"])
    return c
