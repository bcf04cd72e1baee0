"""core.search.build_search_text for many rows at once, about four times faster.

Pinyin conversion dominates: pypinyin segments a name into words and converts each word, for each
of the two styles (full and initials). Here a name is segmented once for both styles, and company
names share most words (科技, 有限公司, 北京…), so each word is converted once and remembered. The
text is exactly the same (tests compare the two on generated names) at a fraction of the cost:
100k names take ~2 s instead of ~14 s on this machine.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from pypinyin import Style
from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin

from guanxi.core.search import digits, normalise


class _WordCachedConverter(UltimateConverter):
    """pypinyin's default converter (what `lazy_pinyin` uses), remembering each converted word."""

    @functools.lru_cache(maxsize=100_000)  # noqa: B019  (one module-level instance lives for the process)
    def _cached(self, words: str, style: Any, errors: str, strict: bool) -> list[list[str]]:
        return super().convert(words, style, False, errors, strict=strict)

    def convert(self, words: str, style: Any, heteronym: bool, errors: Any, strict: bool = True, **kwargs: Any) -> Any:
        if heteronym or kwargs or not isinstance(errors, str):
            return super().convert(words, style, heteronym, errors, strict=strict, **kwargs)
        return self._cached(words, style, errors, strict)


_PINYIN = Pinyin(_WordCachedConverter(v_to_u=False, neutral_tone_with_five=False, tone_sandhi=False))


def pinyin_forms(text: str) -> tuple[str, str]:
    """Same as core.search.pinyin_forms."""
    if not any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "", ""
    # Segment once: given a list of words, pypinyin converts pure-Chinese words as they are (and
    # segments the rest again), so both styles see the same words a string would give.
    words = _PINYIN.seg(text)
    full = _PINYIN.lazy_pinyin(words, errors="ignore")
    initials = _PINYIN.lazy_pinyin(words, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(full).lower(), "".join(initials).lower()


def build_search_text(*, names: Iterable[str] = (), phones: Iterable[str] = (), others: Iterable[str] = ()) -> str:
    """Same result as core.search.build_search_text."""
    parts: list[str] = []
    for name in names:
        if not name:
            continue
        parts.append(normalise(name).replace(" ", ""))
        parts.extend(p for p in pinyin_forms(name) if p)
    for phone in phones:
        d = digits(phone)
        if d:
            parts.append(d)
            if d.startswith("86") and len(d) == 13:
                parts.append(d[2:])
    parts.extend(normalise(o) for o in others if o)
    return " ".join(parts)
