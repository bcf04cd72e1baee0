"""Template helpers of the shared list toolkit: sortable column headers, a field's chosen values and choices."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def list_header(context: Any, column: Any) -> SafeString:
    """A column's header; a sortable one sorts on the server: click once ascending, again descending. Its
    `data-label` is what lists.js gives the column's cells as their label on the phone card."""
    css = " ".join(
        c
        for c in (
            "gx-sticky-name" if column.fixed else "",
            "text-end" if column.numeric else "",
            "" if column.phone else "gx-hide-phone",
        )
        if c
    )
    if not column.sort:
        return format_html(
            '<th class="{}" data-col="{}" data-label="{}">{}</th>', css, column.key, column.label, column.label
        )
    request = context["request"]
    current = context.get("sort") or request.GET.get("sort", "")
    explicit = request.GET.get("sort", "")
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("view", None)
    params["sort"] = f"-{column.key}" if explicit == column.key else column.key
    if current == column.key and explicit:
        aria, icon = "ascending", "ti-sort-ascending"
    elif current == f"-{column.key}" and explicit:
        aria, icon = "descending", "ti-sort-descending"
    else:
        aria, icon = "none", "ti-arrows-sort"
    return format_html(
        '<th class="{}" data-col="{}" data-label="{}" aria-sort="{}">'
        '<a class="table-sort-link text-reset" href="?{}">{} '
        '<i class="ti {} text-secondary" aria-hidden="true"></i></a></th>',
        css,
        column.key,
        column.label,
        aria,
        params.urlencode(),
        column.label,
        icon,
    )


@register.simple_tag
def field_selected(params: Any, key: str) -> list[str]:
    return params.getlist(key) if hasattr(params, "getlist") else []


@register.simple_tag
def field_options(choices: dict[str, Any], key: str) -> list[Any]:
    return list((choices or {}).get(key, []))


@register.filter
def getparam(params: Any, key: str) -> str:
    return params.get(key, "") if params is not None else ""


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    return (mapping or {}).get(key, [])
