"""What search finds a customer or contact by: the text stored in their `search_text` column.

One definition for every path that writes the column (the services, merges, imports), so a customer saved
any way is found the same way. Takes a model instance or a mapping of its fields (an import row).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from guanxi.core.custom_fields.definitions import searched_texts
from guanxi.core.search import build_search_text

CUSTOMER, CONTACT = "customers.customer", "customers.contact"  # custom field targets


def _getter(data: Any) -> Callable[[str], Any]:
    if isinstance(data, Mapping):
        return lambda key: data.get(key, "")
    return lambda key: getattr(data, key, "")


def customer_search_text(data: Any) -> str:
    """Name (with its pinyin), phone, e-mail and credit code of a customer or an import row, and its custom text
    fields' values (with their pinyin; core.custom_fields.definitions.searched_texts)."""
    get = _getter(data)
    return build_search_text(
        names=[get("name"), *searched_texts(CUSTOMER, get("custom"))],
        phones=[get("phone")],
        others=[get("email"), get("credit_code")],
    )


def contact_search_text(data: Any) -> str:
    """Name (with its pinyin), mobile and phone, e-mail and WeChat of a contact or an import row, and its custom
    text fields' values."""
    get = _getter(data)
    return build_search_text(
        names=[get("name"), *searched_texts(CONTACT, get("custom"))],
        phones=[get("mobile"), get("phone")],
        others=[get("email"), get("wechat")],
    )


def search_text_changed(changes: Mapping[str, Any], fields: set[str]) -> bool:
    """Whether a write's audit changes touch what the search text holds: these fields or a custom value."""
    return bool(fields & changes.keys()) or any(k.startswith("custom.") for k in changes)
