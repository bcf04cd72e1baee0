"""Signed tracking links of a campaign message: the open pixel and the click redirect. A click link carries its
target signed with the server's key, so only a link we issued redirects (no open redirect)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "guanxi.marketing.track"
LINK = re.compile(r"https?://[^\s<>\"')]+")


def base_url() -> str:
    return str(settings.GUANXI_BASE_URL).rstrip("/")


def open_url(delivery_id: int) -> str:
    token = signing.dumps({"d": delivery_id}, salt=SALT, compress=True)
    return base_url() + reverse("marketing:track_open", args=[token])


def click_url(delivery_id: int, target: str) -> str:
    token = signing.dumps({"d": delivery_id, "u": target}, salt=SALT, compress=True)
    return base_url() + reverse("marketing:track_click", args=[token])


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
