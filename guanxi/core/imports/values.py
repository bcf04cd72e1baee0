"""Turning spreadsheet cells into field values: text, dates, yes/no and choices (labels in both languages).

Every parser raises ValueError with a translated message naming what was expected; the importer
puts that message in the row's reasons.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug is before any real data)
MAX_EXCEL_SERIAL = 2958465  # 9999-12-31

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\S.*)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_KEY_JUNK = re.compile(r"[\s*＊:：_\-–—~·•/\\()（）\[\]【】<>《》\"'“”‘’.,，。、!！?？]+")

TRUE_WORDS = {"1", "y", "yes", "true", "t", "是", "对", "有", "√", "✓", "✔", "on", "是的"}
FALSE_WORDS = {"", "0", "n", "no", "false", "f", "否", "不是", "无", "没有", "×", "✗", "off"}


def fold(text: str) -> str:
    """A comparison key for labels and headers: NFKC, lower case, without spaces, punctuation or stars."""
    return _KEY_JUNK.sub("", unicodedata.normalize("NFKC", text or "").lower())


def cell_text(value: Any) -> str:
    """A cell as text. Numbers keep their digits (13812345678, not 1.3812345678e10); text is trimmed;
    NUL characters (which PostgreSQL refuses) are dropped. Text starting with = + - @ stays as it is:
    it is data here; exports neutralise it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value).replace("\x00", "").strip()


def parse_date(value: Any) -> dt.date | None:
    """yyyy-mm-dd, yyyy/m/d, yyyy.m.d, yyyy年m月d日, yyyymmdd, a date cell or an Excel serial number."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(value)
    text = cell_text(value)
    if not text:
        return None
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if match:
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            raise ValueError(_("%(value)s is not a valid date.") % {"value": text})
    if text.isdigit() and len(text) <= 7:
        return _from_serial(int(text))
    raise ValueError(_("%(value)s is not a date: use yyyy-mm-dd, e.g. 2026-03-01.") % {"value": text[:50]})


def _from_serial(number: float) -> dt.date:
    if not 1 <= number <= MAX_EXCEL_SERIAL:
        raise ValueError(_("%(value)s is not a date: use yyyy-mm-dd, e.g. 2026-03-01.") % {"value": number})
    return EXCEL_EPOCH + dt.timedelta(days=int(number))


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    text = fold(cell_text(value))
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(_("%(value)s is not yes or no.") % {"value": cell_text(value)[:50]})


class ChoiceLookup:
    """Accepts a choice by its code, its label in English or Chinese, or an extra alias.

    Built once per import from the model field's choices (labels are lazy translations, read in
    both languages here), so matching 100k rows is one dict look-up each.
    """

    def __init__(self, choices: Iterable[tuple[str, Any]], aliases: dict[str, str] | None = None):
        self.codes: list[str] = []
        self.display: list[str] = []
        self._map: dict[str, str] = {}
        choices = list(choices)
        for code, label in choices:
            self.codes.append(code)
            self.display.append(str(label))
            self._map.setdefault(fold(code), code)
        for lang in ("en", "zh-hans"):
            with translation.override(lang):
                for code, label in choices:
                    self._map.setdefault(fold(str(label)), code)
        for alias, code in (aliases or {}).items():
            self._map.setdefault(fold(alias), code)

    @classmethod
    def of_dictionary(cls, key: str, aliases: dict[str, str] | None = None) -> ChoiceLookup:
        """A dictionary's entries (core.dictionaries): its code, Chinese or English label. The hint lists the
        active entries; a retired one is still recognised, so the row gets the model's "retired" error."""
        from guanxi.core.dictionaries import selectors as dictionaries

        found = dictionaries.entries(key)
        lookup = cls([(e.code, e.label) for e in found if e.is_active], aliases)
        for e in found:
            for text in (e.code, e.label_zh, e.label_en):
                if text:
                    lookup._map.setdefault(fold(text), e.code)
        return lookup

    def __call__(self, value: Any) -> str:
        text = cell_text(value)
        if not text:
            return ""
        code = self._map.get(fold(text))
        if code is None:
            raise ValueError(
                _("%(value)s is not one of: %(choices)s.") % {"value": text[:50], "choices": ", ".join(self.display)}
            )
        return code

    def labels(self) -> str:
        return " / ".join(self.display)
