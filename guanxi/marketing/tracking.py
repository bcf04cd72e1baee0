"""Signed tracking links of a campaign message: the open pixel and the click redirect. A click link carries its
target signed with the server's key, so only a link we issued redirects (no open redirect)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import get_script_prefix, get_urlconf, reverse

SALT = "guanxi.marketing.track"
LINK = re.compile(r"https?://[^\s<>\"')]+")


def base_url() -> str:
    return str(settings.GUANXI_BASE_URL).rstrip("/")


@lru_cache(maxsize=64)
def _path_before_token(name: str, script_prefix: str, urlconf: Any) -> str:
    path = reverse(name, args=["~"])
    assert path.endswith("/~/"), path  # noqa: S101 (a URL pattern of the form …/<str:token>/)
    return path[:-2]


def token_url(name: str, token: str) -> str:
    """The absolute address of a URL pattern `…/<str:token>/` for a signed token: what `reverse` gives (the
    token's characters need no quoting), without resolving the pattern again for every link of every message."""
    return base_url() + _path_before_token(name, get_script_prefix(), get_urlconf()) + token + "/"


def open_url(delivery_id: int) -> str:
    return token_url("marketing:track_open", signing.dumps({"d": delivery_id}, salt=SALT))


def click_url(delivery_id: int, target: str) -> str:
    return token_url("marketing:track_click", signing.dumps({"d": delivery_id, "u": target}, salt=SALT))


def read(token: str) -> dict[str, Any] | None:
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("d"), int):
        return None
    url = data.get("u")
    if url is not None and not (isinstance(url, str) and LINK.fullmatch(url)):
        return None
    return data


def with_tracked_links(text: str, delivery_id: int) -> str:
    return LINK.sub(lambda m: click_url(delivery_id, m.group(0)), text)
