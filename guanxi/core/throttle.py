"""A per-client rate limit for public endpoints (the web-to-lead form, the public ticket form): at most `limit`
requests per client IP per minute, counted in the cache."""

from __future__ import annotations

from django.core.cache import cache

from guanxi.core.errors import ThrottledError


def throttle_per_minute(*, scope: str, ip: str | None, limit: int, message: str) -> None:
    """Count one request of `scope` from `ip`; ThrottledError (429, `message`) past `limit` in the minute."""
    key = f"throttle:{scope}:{ip or 'unknown'}"
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60)
        count = 1
    if count > limit:
        raise ThrottledError(message)
