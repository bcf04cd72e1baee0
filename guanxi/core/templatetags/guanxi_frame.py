"""The page frame (base.html): its left navigation written in Python rather than as a template loop, its links
reversed once.

Every page renders it: some thirty entries of about a dozen template nodes each were most of the frame's template
nodes, so of every page view's rendering, including each 403/404 page. The HTML is the one the loop wrote."""

from __future__ import annotations

import html
from typing import Any

from django import template
from django.template.base import render_value_in_context
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from guanxi.core.context_processors import reversed_url

register = template.Library()


def _text(value: Any) -> str:
    """As {{ value }} writes a string: escaped unless already safe (conditional_escape without its wrappers)."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


@register.simple_tag(takes_context=True)
def nav_entries(context: Any) -> SafeString:
    """The entries of `nav_items` (core.context_processors.navigation): the active one marked, a badge where the
    entry counts (99+ above 99). Plain string building: format_html's wrappers were most of this tag's time."""
    waiting = gettext("waiting")  # as {% trans %} writes it: a translation of our own, not escaped
    out = []
    for entry in context.get("nav_items") or ():
        item = entry["item"]
        key = _text(item.key)
        badge = ""
        if entry["counts"]:
            count = entry["badge"]
            count_html = ""
            if count:
                shown = "99+" if count > 99 else _text(render_value_in_context(count, context))
                count_html = (
                    f'<span class="badge bg-red text-red-fg" data-nav-badge="{key}">{shown}'
                    f'<span class="visually-hidden"> {waiting}</span></span>'
                )
            refresh = f' data-gx-refresh-on="{_text(item.refresh_on)}"' if item.refresh_on else ""
            badge = f'<span class="ms-auto" id="nav-badge-{key}"{refresh}>{count_html}</span>'
        active, current = (" active", ' aria-current="page"') if entry["active"] else ("", "")
        url, icon, label = _text(entry["url"]), _text(entry["icon"]), _text(entry["label"])
        out.append(
            f'\n          <li class="nav-item{active}">\n'
            f'            <a class="nav-link" href="{url}" data-nav-key="{key}"{current}>\n'
            f'              <span class="nav-link-icon"><i class="ti {icon}" aria-hidden="true"></i></span>\n'
            f'              <span class="nav-link-title">{label}</span>\n'
            f"              {badge}\n"
            "            </a>\n"
            "          </li>\n          "
        )
    return mark_safe("".join(out))  # noqa: S308 (each value escaped by _text)


@register.simple_tag
def frame_url(name: str) -> str:
    """{% url name %} of the frame's links (no arguments): reversed once, not some fifteen times on every page."""
    return reversed_url(name)
