"""Fixtures of the organisation tests: browsers signed in as an administrator or a sales rep."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def admin_web(org: Any) -> Client:
    """A browser signed in as the administrator of the `org` chart."""
    c = Client()
    c.force_login(org["admin"])
    return c


@pytest.fixture
def rep_web(org: Any) -> Client:
    """A browser signed in as a sales rep (no organisation or audit permissions)."""
    c = Client()
    c.force_login(org["east_rep"])
    return c
