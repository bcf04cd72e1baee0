"""Links in e-mails (unsubscribe, surveys, tracking) point where Guanxi serves when GUANXI_BASE_URL is not set."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _base_url(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GUANXI_")}
    code = "import django; django.setup(); from django.conf import settings; print(settings.GUANXI_BASE_URL)"
    out = subprocess.run(  # noqa: S603 (our own interpreter, fixed code)
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "guanxi.settings.local", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"GUANXI_PORT": "8123"}, "http://127.0.0.1:8123"),
        ({"GUANXI_HOST": "0.0.0.0", "GUANXI_PORT": "9000"}, "http://127.0.0.1:9000"),
        ({"GUANXI_HOST": "crm.lan", "GUANXI_PORT": "80"}, "http://crm.lan:80"),
        ({"GUANXI_BASE_URL": "https://crm.example.com", "GUANXI_PORT": "8123"}, "https://crm.example.com"),
    ],
)
def test_the_base_url_follows_the_served_address_unless_set(env, expected):
    assert _base_url(**env) == expected
