"""Test clients every app's tests may use (core is the lowest floor, so importing it never points upward)."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client


class JsonClient:
    """A signed-in session client that sends and reads JSON against /api/v1/."""

    def __init__(self, user: Any):
        self.client = Client()
        self.client.force_login(user)

    def call(self, method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        data = json.dumps(body) if body is not None else ""
        return getattr(self.client, method)(
            "/api/v1" + url, data=data, content_type="application/json", headers=headers or {}
        )
