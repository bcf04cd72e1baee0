from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse

from .ports import PERMISSIONS
from .registry import registry

# The navigation's URLs, reversed once per URL configuration and script prefix rather than some thirty times on
# every page (reverse() is most of the navigation's cost when nothing else changes).
_URLS: dict[tuple[str, str, Any], str] = {}


def reversed_url(name: str) -> str:
    """reverse(name) of a URL without arguments, kept per URL configuration and script prefix."""
    key = (name, get_script_prefix(), get_urlconf())
    url = _URLS.get(key)
    if url is None:
        url = _URLS[key] = reverse(name)
    return url


def _forget_urls(**kwargs: Any) -> None:
    _URLS.clear()


setting_changed.connect(_forget_urls)


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Left navigation (items the user may list) and the bell's unread count, worked out once per request: a page
    that renders parts with the request (the 360 page's tabs, each through render_to_string) runs the context
    processors again for every part, and the badges' counts are queries."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memo = request.__dict__.get("_gx_navigation")
    if memo is None or memo[0] is not user:
        memo = request.__dict__["_gx_navigation"] = (user, _navigation(request, user))
    return memo[1]


def _navigation(request: HttpRequest, user: Any) -> dict[str, Any]:
    has_permission = registry.port(PERMISSIONS).has_permission
    items = [
        n
        for n in registry.nav
        if (n.enabled is None or n.enabled()) and (n.permission is None or has_permission(user, n.permission))
    ]
    entries = [
        {
            "item": n,
            "url": reversed_url(n.url_name),
            "label": n.label,
            "icon": n.icon,
            "badge": n.badge(user) if n.badge else 0,
            # whether the entry counts at all (a template would call the NavItem's badge function, not read it)
            "counts": n.badge is not None,
        }
        for n in items
    ]

    def matched(e: dict[str, Any]) -> int:
        """The length of the longest of the entry's prefixes the page's path starts with; -1 for none."""
        prefixes = (e["item"].match_prefix or e["url"], *e["item"].also_matches)
        return max((len(p) for p in prefixes if request.path.startswith(p)), default=-1)

    best = max((e for e in entries if matched(e) >= 0), key=matched, default=None)
    for e in entries:
        e["active"] = e is best
    unread = user.notifications.filter(read_at__isnull=True).count()
    quick = [
        {
            "key": q.key,
            "label": q.label,
            "icon": q.icon,
            # a record of a customer opens its app's customer picker first (url_name), told what it is for
            "url": reversed_url(q.url_name) + (f"?for={q.key}" if q.for_customer else ""),
        }
        for q in registry.quick_create
        if has_permission(user, q.permission)
    ]
    return {
        "nav_items": entries,
        "quick_create": quick,
        "unread_notifications": unread,
        "idle_timeout_minutes": settings.GUANXI_IDLE_TIMEOUT_MINUTES,
    }
