"""Search text: what a search box matches for a record.

Chinese names are stored with their full pinyin and initials so that `bjhx` and `beijinghuaxin`
find 北京华信科技有限公司; phone numbers as bare digits so `13812345678` finds `138-1234-5678`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from pypinyin import Style
from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin

# The longest search text stored: the SQLite token index (core.dbvendor) covers this many characters.
SEARCH_TEXT_MAX = 8192
_DIGITS = re.compile(r"\D+")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFKC (full-width → half-width), lower case, collapsed spaces."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text or "")).strip().lower()


class _WordCachedConverter(UltimateConverter):
    """pypinyin's default converter (what `lazy_pinyin` uses), remembering each converted word.

    Company names share most words (科技, 有限公司, 北京…), so bulk paths (imports, the demo) convert
    each word once: about four times faster on 100k names, with exactly the same output.
    """

    @functools.lru_cache(maxsize=100_000)  # noqa: B019  (one module-level instance lives for the process)
    def _cached(self, words: str, style: Any, errors: str, strict: bool) -> list[list[str]]:
        return super().convert(words, style, False, errors, strict=strict)

    def convert(self, words: str, style: Any, heteronym: bool, errors: Any, strict: bool = True, **kwargs: Any) -> Any:
        if heteronym or kwargs or not isinstance(errors, str):
            return super().convert(words, style, heteronym, errors, strict=strict, **kwargs)
        return self._cached(words, style, errors, strict)


_PINYIN = Pinyin(_WordCachedConverter(v_to_u=False, neutral_tone_with_five=False, tone_sandhi=False))


# Surnames read otherwise than the character's everyday reading (曾经 ceng, but 曾 the surname zeng). A name of two
# or three Chinese characters is taken for a person's (companies have longer names), and its first character is
# read as the surname; compound surnames (尉迟, 万俟 …) are words pypinyin already reads right.
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "朴": "piao", "区": "ou", "查": "zha", "盖": "ge",
    "乐": "yue", "翟": "zhai", "缪": "miao", "覃": "qin", "召": "shao", "种": "chong", "秘": "bi", "员": "yun",
    "繁": "po", "黑": "he", "折": "she", "句": "gou", "尉": "wei", "隗": "wei", "冼": "xian", "洗": "xian",
}  # fmt: skip
COMPOUND_SURNAMES = frozenset({"尉迟", "万俟", "长孙", "单于", "澹台", "令狐", "欧阳", "司马", "诸葛", "上官"})


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _syllables(text: str, *, style: Any = Style.NORMAL, errors: str = "ignore") -> list[str]:
    """The pinyin of text, one item per Chinese character (other runs dropped, or kept with errors="default"), a
    person's surname read as such (SURNAME_READINGS)."""
    # Segment once: given a list of words, pypinyin converts pure-Chinese words as they are, so both
    # styles see the same words that a plain string would give.
    items = _PINYIN.lazy_pinyin(_PINYIN.seg(text), style=style, errors=errors)
    reading = SURNAME_READINGS.get(text[:1])
    if reading and 2 <= len(text) <= 3 and all(_is_han(ch) for ch in text) and text[:2] not in COMPOUND_SURNAMES:
        items[0] = reading if style == Style.NORMAL else reading[0]
    return items


def pinyin_forms(text: str) -> tuple[str, str]:
    """(full pinyin, initials) of the Chinese characters in text, without separators."""
    if not any(_is_han(ch) for ch in text):
        return "", ""
    full = _syllables(text)
    initials = _syllables(text, style=Style.FIRST_LETTER)
    return "".join(full).lower(), "".join(initials).lower()


# The longest name order key stored (a name's pinyin, syllable by syllable, is about six times its length).
NAME_SORT_MAX = 255


def name_sort_key(name: str) -> str:
    """Where a name stands in a list sorted by name, as a Chinese reader expects: by pinyin, syllable by syllable
    (北辰 "bei chen" before 北京 "bei jing", 阿里 "a li" before 安徽 "an hui"), with Latin letters and digits in
    the same order whatever their case or width. Polyphonic characters are read in their word (重庆 "chong qing"),
    a person's surname as a surname (曾刚 "zeng gang")."""
    text = normalise(name)
    if not any(_is_han(ch) for ch in text):
        return text[:NAME_SORT_MAX]
    syllables = _syllables(text, errors="default")
    return " ".join(s.strip() for s in syllables if s.strip())[:NAME_SORT_MAX]


def name_sort_fill(model: Any, batch: int = 2000) -> None:
    """Write the name order key of every row of a model (its `name` into `name_sort`): for the migrations that give
    a model the key. Reads first, then writes: SQLite does not isolate a running read from writes on the same
    connection."""
    rows = list(model._base_manager.order_by("pk").values_list("pk", "name"))
    for start in range(0, len(rows), batch):
        chunk = [model(pk=pk, name_sort=name_sort_key(name)) for pk, name in rows[start : start + batch]]
        model._base_manager.bulk_update(chunk, ["name_sort"])


def digits(text: str) -> str:
    return _DIGITS.sub("", text or "")


def build_search_text(*, names: Iterable[str] = (), phones: Iterable[str] = (), others: Iterable[str] = ()) -> str:
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
    return " ".join(parts)[:SEARCH_TEXT_MAX]


def search_terms(query: str) -> list[str]:
    """Split a query into terms, each matched anywhere in the search text (AND)."""
    q = normalise(query)
    terms = [t for t in q.split(" ") if t]
    out = []
    for t in terms:
        d = digits(t)
        # "138-1234" → "1381234": a phone typed with separators still matches the stored digits.
        out.append(d if d and len(d) >= 3 and len(d) >= len(t) - 3 and not any(c.isalpha() for c in t) else t)
    return out[:5]
