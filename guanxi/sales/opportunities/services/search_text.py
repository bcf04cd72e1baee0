"""What search finds a deal by besides its customer: its name and its custom text fields, with pinyin and initials
(core.search; core.custom_fields.definitions.searched_texts)."""

from __future__ import annotations

from typing import Any

from guanxi.core.custom_fields.definitions import searched_texts
from guanxi.core.search import build_search_text

from ..models import Opportunity

CUSTOM_TARGET = "sales.opportunity"  # the custom field target of deals


def opportunity_search_text(name: str, custom: dict[str, Any] | None = None) -> str:
    """A deal's search text from its name and custom values (a new deal's, before it is saved)."""
    return build_search_text(names=[name, *searched_texts(CUSTOM_TARGET, custom)])


def opportunity_record_search_text(opp: Opportunity) -> str:
    """A saved deal's search text (custom_fields.search_refresh recomputes it from the record)."""
    return opportunity_search_text(opp.name, opp.custom)
