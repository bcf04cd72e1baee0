"""Which of an entry's two labels a reader sees."""

from __future__ import annotations

from django.utils.translation import get_language


def pick_label(label_zh: str, label_en: str) -> str:
    """The Chinese label for a Chinese reader, else the English one (the Chinese one when it has none)."""
    if (get_language() or "").lower().startswith("zh"):
        return label_zh or label_en
    return label_en or label_zh
