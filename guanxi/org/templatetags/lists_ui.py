"""Template helpers of the shared list toolkit: sortable column headers, a field's chosen values and choices."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import render_value_in_context
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

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


@register.simple_tag(takes_context=True)
def list_cell(context: Any) -> SafeString:
    """One cell of a list row (`cell` of the row `r` in the context): the column's template (or its value), and when
    the reader may edit it a trigger and the value the editor starts from; the editor itself is the page's one
    <template data-inline-template> of the column (_inline_editors.html), put in place by lists.js. A row carries
    only data: the phone card's labels come from the headers, the checkbox's label from the name cell (its id) and
    the row's version from the <tr> (lists.js); a cell answered alone (`standalone`, after an inline save) carries
    its row's new version, which lists.js moves to the row.

    Written in Python rather than as an included template: a page of 50 rows has some 500 cells, and an include
    each (its context, its variables) was most of the page's rendering."""
    cell, row = context["cell"], context["r"]
    column = cell.column
    attrs = [format_html(' class="{}"', column.css_class)] if column.css_class else []
    attrs.append(format_html(' id="gx-r{}"', row.obj.pk) if column.fixed else format_html(' data-col="{}"', column.key))
    if cell.editable:
        attrs.append(format_html(' data-raw="{}"', render_value_in_context(cell.raw, context)))
        if context.get("standalone"):
            attrs.append(format_html(' data-version="{}"', getattr(row.obj, "version", None) or ""))
    if column.template:
        included = context.template.engine.get_template(column.template)
        with context.push(row=row.obj, column=column, value=cell.value):
            content = included.render(context)
    elif column.fixed:
        content = format_html('<a href="{}">{}</a>', row.url, render_value_in_context(cell.value, context))
    elif cell.value is None or cell.value == "":
        content = mark_safe('<span class="text-secondary">—</span>')  # noqa: S308 (a constant)
    else:
        content = render_value_in_context(cell.value, context)
    if cell.editable:
        content = format_html('<button type="button" data-inline-edit>{}</button>', content)
    error = context.get("error")
    if error:
        content = format_html('{}<div class="invalid-feedback d-block" role="alert">{}</div>', content, error)
    return format_html("<td{}>{}</td>", mark_safe("".join(attrs)), content)  # noqa: S308 (each part escaped)


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
