"""REST endpoints of dictionaries: the lists and their entries (codes, labels in both languages, order, colour,
active flag, parent), so a client shows the same choices and labels as the web pages.

Mounted on the single NinjaAPI: `api.add_router("", dictionaries_router)` in guanxi/api/main.py. Any signed-in
user may read them (every form needs them); editing is on the settings pages (org.admin).
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from guanxi.core.api import api_user, error_responses
from guanxi.core.errors import NotFoundError

from . import selectors

router = Router()
KEY_PATTERN = re.compile(r"[-a-zA-Z0-9_]{1,50}")
TAGS = ["Dictionaries"]


class DictionaryEntryOut(Schema):
    code: str = Field(..., description="What records store and what the API takes and answers for the field.")
    label: str = Field(..., description="In the reader's language (Accept-Language or the user's setting).")
    label_zh: str
    label_en: str
    order: int
    colour: str = Field(..., description="Tabler colour name of the entry's badge; empty for grey.")
    is_active: bool = Field(..., description="False: retired, kept on old records, refused on new ones.")
    parent: str = Field(..., description="The parent entry's code in a tree (regions); empty at the top.")
    attributes: dict[str, Any] = Field(..., description="Behaviour flags the owning app documents.")


class DictionaryOut(Schema):
    key: str
    label: str
    label_zh: str
    label_en: str
    is_tree: bool
    entries: list[DictionaryEntryOut]


class DictionarySummaryOut(Schema):
    key: str
    label: str
    app: str
    is_tree: bool


class EntryFilter(Schema):
    active: bool | None = Field(None, description="true: only the entries new records may take.")
    parent: str | None = Field(None, description="Only the children of this code (a tree); empty: the top level.")


def _entry_out(e: Any) -> dict[str, Any]:
    return {
        "code": e.code,
        "label": e.label,
        "label_zh": e.label_zh,
        "label_en": e.label_en,
        "order": e.order,
        "colour": e.colour,
        "is_active": e.is_active,
        "parent": e.parent_code,
        "attributes": dict(e.attributes),
    }


@router.get("/dictionaries", response={200: list[DictionarySummaryOut], **error_responses(401)}, tags=TAGS)
def dictionary_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Every dictionary (数据字典): its key, name and owning app."""
    api_user(request)
    return [
        {"key": d.key, "label": d.label, "app": d.app_label, "is_tree": d.is_tree}
        for d in selectors.admin_dictionaries()
    ]


@router.get("/dictionaries/{key}", response={200: DictionaryOut, **error_responses(401, 404, 422)}, tags=TAGS)
def dictionary_detail(request: HttpRequest, key: str, filters: Query[EntryFilter]) -> dict[str, Any]:
    """A dictionary's entries in order, retired ones included (`is_active` false) unless `active=true`.

    A record's field that names this dictionary (e.g. a customer's `level` → `customer_level`) takes and answers
    an entry's `code`."""
    api_user(request)
    if not KEY_PATTERN.fullmatch(key):  # no database read for a key no dictionary can have (NUL, spaces…)
        raise NotFoundError(_("No such dictionary."))
    snap = selectors.dictionary(key)
    if not snap.revision:
        raise NotFoundError(_("No such dictionary."))
    found = selectors.entries(key, active_only=bool(filters.active), parent=filters.parent)
    return {
        "key": snap.key,
        "label": snap.label,
        "label_zh": snap.label_zh,
        "label_en": snap.label_en,
        "is_tree": snap.is_tree,
        "entries": [_entry_out(e) for e in found],
    }
