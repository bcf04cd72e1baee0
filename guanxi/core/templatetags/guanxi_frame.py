"""The page frame (base.html): its left navigation written in Python rather than as a template loop, its links
reversed once.

Every page renders it: some thirty entries of about a dozen template nodes each were most of the frame's template
nodes, so of every page view's rendering, including each 403/404 page. The HTML is the one the loop wrote."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import render_value_in_context
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from guanxi.core.context_processors import reversed_url

register = template.Library()

_ENTRY = (
    '\n          <li class="nav-item{}">\n'
    '            <a class="nav-link" href="{}" data-nav-key="{}"{}>\n'
    '              <span class="nav-link-icon"><i class="ti {}" aria-hidden="true"></i></span>\n'
    '              <span class="nav-link-title">{}</span>\n'
    "              {}\n"
    "            </a>\n"
    "          </li>\n          "
)


@register.simple_tag(takes_context=True)
def nav_entries(context: Any) -> SafeString:
    """The entries of `nav_items` (core.context_processors.navigation): the active one marked, a badge where the
    entry counts (99+ above 99)."""
    waiting = mark_safe(gettext("waiting"))  # noqa: S308 (a translation of our own, as {% trans %} writes it)
    out = []
    for entry in context.get("nav_items") or ():
        item = entry["item"]
        badge = ""
        if entry["counts"]:
            count = entry["badge"]
            if count:
                shown = "99+" if count > 99 else render_value_in_context(count, context)
                count_html = format_html(
                    '<span class="badge bg-red text-red-fg" data-nav-badge="{}">{}'
                    '<span class="visually-hidden"> {}</span></span>',
                    item.key,
                    shown,
                    waiting,
                )
            else:
                count_html = ""
            refresh = format_html(' data-gx-refresh-on="{}"', item.refresh_on) if item.refresh_on else ""
            badge = format_html('<span class="ms-auto" id="nav-badge-{}"{}>{}</span>', item.key, refresh, count_html)
        active = entry["active"]
        out.append(
            format_html(
                _ENTRY,
                " active" if active else "",
                entry["url"],
                item.key,
                mark_safe(' aria-current="page"') if active else "",  # noqa: S308 (a constant)
                entry["icon"],
                entry["label"],
                badge,
            )
        )
    return mark_safe("".join(out))  # noqa: S308 (each part escaped by format_html)


@register.simple_tag
def frame_url(name: str) -> str:
    """{% url name %} of the frame's links (no arguments): reversed once, not some fifteen times on every page."""
    return reversed_url(name)
