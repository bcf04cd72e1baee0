"""What the HTTP providers share: a JSON POST through the SSRF-safe outbound helper (guanxi/core/outbound.py: no
private or loopback target unless GUANXI_OUTBOUND_ALLOWED_NETWORKS allows it, no redirects, timeouts), its answer
read as a JSON object, and every way it can go wrong turned into SendFailed with a reason for the delivery row."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from guanxi.core import outbound

from . import SendFailed


def timeout() -> float:
    return float(getattr(settings, "GUANXI_MARKETING_PROVIDER_TIMEOUT_SECONDS", 10.0))


def post_json(url: str, payload: Any, *, headers: Mapping[str, str] | None = None, body: bytes | None = None,
              provider: str) -> dict[str, Any]:  # fmt: skip
    """POST `payload` as JSON (or the exact `body` that was signed); the answer's JSON object. A refused target, a
    failed connection, a timeout, an HTTP error or an answer that is not a JSON object raises SendFailed."""
    data = body if body is not None else json.dumps(payload, ensure_ascii=False).encode()
    sent_headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    try:
        response = outbound.post(url, body=data, headers=sent_headers, timeout=timeout())
    except outbound.OutboundRefused as exc:
        raise SendFailed(f"{provider}: not sent, {exc.reason}"[:300]) from exc
    except outbound.OutboundFailed as exc:
        raise SendFailed(f"{provider}: {exc.reason}"[:300]) from exc
    if not response.ok:
        raise SendFailed(f"{provider}: HTTP {response.status} {response.body[:120]!r}"[:300])
    try:
        answer = json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SendFailed(f"{provider}: the answer is not JSON ({response.body[:80]!r})"[:300]) from exc
    if not isinstance(answer, dict):
        raise SendFailed(f"{provider}: the answer is not a JSON object"[:300])
    return answer
