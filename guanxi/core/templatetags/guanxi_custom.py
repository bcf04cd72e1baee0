"""Custom fields in templates: `{% custom_values obj as rows %}` (the fields the reader sees on a record page)."""

from __future__ import annotations

from typing import Any

from django import template

from guanxi.core.custom_fields.display import ShownValue, custom_values_shown
from guanxi.core.custom_fields.forms import custom_bound_fields

register = template.Library()


@register.simple_tag(takes_context=True)
def custom_values(context: template.Context, obj: Any) -> list[ShownValue]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return custom_values_shown(user, obj) if obj is not None else []


@register.simple_tag
def custom_form_fields(form: Any) -> list[Any]:
    return custom_bound_fields(form)
