"""Links to uploaded files in templates: `{% download_url row "field" %}` and `{% file_name row "field" %}`.

Templates never use `FieldFile.url` (a bare /media/ path): every file is served by the scoped download view."""

from __future__ import annotations

from typing import Any

from django import template

from guanxi.core import files

register = template.Library()


@register.simple_tag
def download_url(row: Any, field_name: str = "file") -> str:
    return files.download_url(row, field_name)


@register.simple_tag
def file_name(row: Any, field_name: str = "file") -> str:
    return files.file_display_name(row, field_name) if getattr(row, field_name) else ""
