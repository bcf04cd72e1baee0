"""What search finds a customer or contact by: the text stored in their `search_text` column.

One definition for every path that writes the column (the services, merges, imports), so a customer saved
any way is found the same way. Takes a model instance or a mapping of its fields (an import row).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from guanxi.core.search import build_search_text


def _getter(data: Any) -> Callable[[str], Any]:
    if isinstance(data, Mapping):
        return lambda key: data.get(key, "")
    return lambda key: getattr(data, key, "")


def customer_search_text(data: Any) -> str:
    """Name (with its pinyin), phone, e-mail and credit code of a customer or an import row."""
    get = _getter(data)
    return build_search_text(names=[get("name")], phones=[get("phone")], others=[get("email"), get("credit_code")])


def contact_search_text(data: Any) -> str:
    """Name (with its pinyin), mobile and phone, e-mail and WeChat of a contact or an import row."""
    get = _getter(data)
    return build_search_text(
        names=[get("name")], phones=[get("mobile"), get("phone")], others=[get("email"), get("wechat")]
    )
