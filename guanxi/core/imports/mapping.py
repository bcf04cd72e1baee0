"""Column mapping: which spreadsheet column fills which importer field.

A job's mapping is `{"<column index>": "<field key>"}`. It is proposed automatically: first the
user's remembered choice for the same header text (ImportMapping, per user and kind), then the
header compared with each field's key, its label in English and Chinese and its aliases (客户名称,
公司名称, Name → name; 手机, 电话 → phone), ignoring case, width, spaces, punctuation and
required marks (*, 必填).
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed

from .base import Importer
from .values import fold

_MARKS = re.compile(r"(必填|选填|可选|required|optional)$")


def header_key(header: str) -> str:
    return _MARKS.sub("", fold(header))


def field_index(importer: Importer) -> dict[str, str]:
    """{folded spelling: field key} for every way a header may name a field."""
    index: dict[str, str] = {}
    for f in importer.columns():
        spellings = [f.key, *f.aliases]
        for lang in ("en", "zh-hans"):
            with translation.override(lang):
                spellings.append(str(f.label))
        for spelling in spellings:
            index.setdefault(header_key(spelling), f.key)
    return index


def auto_map(headers: list[str], importer: Importer, remembered: dict[str, str] | None = None) -> dict[str, str]:
    """The proposed mapping for a file's headers; each field is used at most once (leftmost column wins)."""
    valid = {f.key for f in importer.columns()}
    index = field_index(importer)
    remembered = {k: v for k, v in (remembered or {}).items() if v in valid or v == ""}
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for col, header in enumerate(headers):
        if not header:
            continue
        key = remembered.get(header)
        if key is None:
            key = index.get(header_key(header), "")
        if key and key not in used:
            mapping[str(col)] = key
            used.add(key)
    return mapping


def clean_mapping(raw: dict[Any, Any], headers: list[str], importer: Importer) -> dict[str, str]:
    """Validate a mapping chosen by the user (or sent to the API); raises ValidationFailed."""
    fields = importer.field_map()
    mapping: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    for col, key in (raw or {}).items():
        col_s = str(col)
        key = str(key or "").strip()
        if not col_s.isdigit() or int(col_s) >= len(headers):
            errors.setdefault("mapping", []).append(_("Column %(col)s is not in the file.") % {"col": col_s[:10]})
            continue
        if not key:
            continue
        if key not in fields:
            errors.setdefault(f"col_{col_s}", []).append(_("Unknown field %(name)s.") % {"name": key[:50]})
            continue
        if key in seen:
            errors.setdefault(f"col_{col_s}", []).append(
                _("%(field)s is already filled from column %(other)s.")
                % {"field": fields[key].label, "other": headers[int(seen[key])] or seen[key]}
            )
            continue
        seen[key] = col_s
        mapping[col_s] = key
    missing = [f for f in importer.columns() if f.required and f.key not in seen]
    if missing:
        errors.setdefault("mapping", []).append(
            _("Choose a column for: %(fields)s.") % {"fields": ", ".join(str(f.label) for f in missing)}
        )
    if errors:
        raise ValidationFailed(_("Please correct the column mapping."), fields=errors)
    return mapping


def mapping_to_remember(mapping: dict[str, str], headers: list[str]) -> dict[str, str]:
    """{header text: field key, or "" for an ignored column}: what the user chose, reusable for other files."""
    out: dict[str, str] = {}
    for col, header in enumerate(headers):
        if header and header not in out:
            out[header[:200]] = mapping.get(str(col), "")
    return out
