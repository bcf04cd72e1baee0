"""Match keys for duplicate detection (查重): pure functions, no database.

Two spellings of the same company, phone number, e-mail or credit code give the same key, so
"who already has this?" is one indexed equality lookup on CustomerKey. The choices (documented
in docs/dedupe.md):

- company names: NFKC (full-width → half-width), lower case; spaces, punctuation and symbols
  removed; common legal-form suffixes (有限公司, 股份有限公司, Co., Ltd., Inc., GmbH…) stripped
  repeatedly from the end. Latin suffixes are stripped only as separate words ("Acme Co" → "acme",
  but "Costco" stays "costco"); Chinese ones from the end of the Chinese text. A region in
  parentheses is kept ("华信科技（北京）有限公司" → "华信科技北京"): the fuzzy check finds those.
- phone numbers: digits only. +86 / 0086 / 86 in front of an 11-digit mobile is removed; an
  international landline (+86 10 …) gets its trunk 0 back, so the key is the domestic form
  "01062881234". Extensions (转, ext, #) are dropped. Keys shorter than 7 digits are ignored.
- e-mail: trimmed, lower case (full-width ＠ folded). Credit codes: trimmed, upper case, no spaces.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

# Chinese legal-form suffixes, longest first so 股份有限公司 wins over 有限公司.
CJK_SUFFIXES: tuple[str, ...] = tuple(
    sorted(
        {
            "集团股份有限公司",
            "集团有限责任公司",
            "集团有限公司",
            "股份有限公司",
            "有限责任公司",
            "集团公司",
            "有限公司",
            "股份公司",
            "公司",
        },
        key=len,
        reverse=True,
    )
)
# Latin legal forms, as whole words after punctuation is removed ("Co., Ltd." → co ltd).
LATIN_SUFFIXES: frozenset[str] = frozenset(
    {"co", "ltd", "inc", "llc", "corp", "corporation", "limited", "gmbh", "company", "incorporated", "plc", "pte"}
)
MIN_PHONE_DIGITS = 7
MAX_KEY_LENGTH = 200  # CustomerKey.value

_PHONE_SPLIT = re.compile(r"[/,;、，；|]+")
_PHONE_EXTENSION = re.compile(r"(转|分机|ext\.?|x|#).*$", re.IGNORECASE)
_NON_DIGITS = re.compile(r"[^0-9]+")
_SPACES = re.compile(r"\s+")


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch <= "\U0003134f"


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _tokens(text: str) -> list[str]:
    """Words of a folded name: runs of letters/digits split by anything else and at Chinese/Latin
    boundaries. Chinese runs join across separators: spaces inside Chinese text mean nothing."""
    tokens: list[str] = []
    last_cjk = False
    separated = True
    for ch in text:
        if unicodedata.category(ch)[0] not in "LN":
            separated = True
            continue
        cjk = _is_cjk(ch)
        same_word = (cjk and last_cjk) or (not cjk and not last_cjk and not separated)
        if tokens and same_word:
            tokens[-1] += ch
        else:
            tokens.append(ch)
        last_cjk = cjk
        separated = False
    return tokens


def _strip_suffixes(tokens: list[str]) -> list[str]:
    """Remove legal-form suffixes from the end, repeatedly, never leaving the name empty."""
    tokens = list(tokens)
    while tokens:
        last = tokens[-1]
        if len(tokens) > 1 and last in LATIN_SUFFIXES:
            tokens.pop()
            continue
        if _is_cjk(last[0]):
            for suffix in CJK_SUFFIXES:
                if last.endswith(suffix):
                    if len(last) > len(suffix):
                        tokens[-1] = last[: -len(suffix)]
                        break
                    if len(tokens) > 1:
                        tokens.pop()
                        break
            else:
                return tokens
            continue
        return tokens
    return tokens


def _name_key_once(name: str) -> str:
    return "".join(_strip_suffixes(_tokens(_fold(name))))


def _fixpoint(fn: Callable[[str], str], value: str) -> str:
    """Apply `fn` until the value stops changing, so that key(key(x)) == key(x) for any text
    (Unicode folding and suffix stripping can each uncover work for the other)."""
    value = fn(value)
    for _round in range(8):
        again = fn(value)
        if again == value:
            break
        value = again
    return value


@functools.lru_cache(maxsize=1024)  # a name is keyed several times in a row (check, keys, bulk generation)
def company_name_key(name: str | None) -> str:
    """The match key of a company name ("" when nothing is left)."""
    return _fixpoint(_name_key_once, name or "")[:MAX_KEY_LENGTH]


def phone_key(phone: str | None) -> str | None:
    """The match key of one phone number, or None when it has fewer than 7 digits."""
    d = _fixpoint(_phone_digits, phone or "")
    if len(d) < MIN_PHONE_DIGITS:
        return None
    return d[:MAX_KEY_LENGTH]


def _phone_digits(phone: str) -> str:
    text = _SPACES.sub("", unicodedata.normalize("NFKC", phone))
    text = _PHONE_EXTENSION.sub("", text)
    international = text.startswith(("+", "00"))
    d = _NON_DIGITS.sub("", text)
    if international:
        d = d.removeprefix("00")
        if d.startswith("86"):
            rest = d[2:]
            if len(rest) == 11 and rest.startswith("1"):
                d = rest
            elif rest:
                d = rest if rest.startswith("0") else "0" + rest
    elif len(d) == 13 and d.startswith("861"):
        d = d[2:]
    return d


def phone_keys(text: str | None) -> list[str]:
    """Keys of every number in a phone field ("138… / 010-…" holds two), without repeats."""
    keys = [phone_key(part) for part in _PHONE_SPLIT.split(text or "")]
    return list(dict.fromkeys(k for k in keys if k))


def email_key(email: str | None) -> str | None:
    key = _fixpoint(lambda v: unicodedata.normalize("NFKC", v).strip().lower(), email or "")
    return key[:MAX_KEY_LENGTH] or None


def credit_code_key(code: str | None) -> str | None:
    key = _fixpoint(lambda v: _SPACES.sub("", unicodedata.normalize("NFKC", v)).upper(), code or "")
    return key[:MAX_KEY_LENGTH] or None


# --- fuzzy similarity ------------------------------------------------------------------------
# A leading or trailing region is what most often differs between two spellings of one company
# (北京华信科技 / 华信科技北京). Province-level names and the larger cities, as they appear in keys.
REGIONS: tuple[str, ...] = tuple(
    sorted(
        {
            "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
            "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西",
            "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门", "中国",
            "广州", "深圳", "杭州", "南京", "苏州", "无锡", "宁波", "温州", "武汉", "成都", "西安", "郑州",
            "长沙", "合肥", "济南", "青岛", "厦门", "福州", "大连", "沈阳", "哈尔滨", "长春", "石家庄",
            "太原", "南昌", "昆明", "贵阳", "南宁", "兰州", "东莞", "佛山", "珠海", "常州", "烟台",
        },
        key=len,
        reverse=True,
    )
)  # fmt: skip


def split_region(key: str) -> tuple[str | None, str]:
    """(region, rest) when a name key starts or ends with a known region, else (None, key)."""
    for region in REGIONS:
        if key.startswith(region) and len(key) > len(region) + 1:
            return region, key[len(region) :]
        if key.endswith(region) and len(key) > len(region) + 1:
            return region, key[: -len(region)]
    return None, key


def name_similarity(a: str, b: str) -> int:
    """0-100: how alike two name keys are (rapidfuzz).

    The best of: plain similarity; the longer containing the shorter (北京华信科技 in
    北京华信科技发展) when the shorter has at least 4 characters and is at least half as long; and
    the names without their region when at most one of them names a region, or both the same one.
    """
    from rapidfuzz import fuzz

    if not a or not b:
        return 0
    scores = [fuzz.ratio(a, b)]
    short, long = sorted((a, b), key=len)
    if len(short) >= 4 and len(long) <= 2 * len(short):
        scores.append(fuzz.partial_ratio(short, long))
    region_a, core_a = split_region(a)
    region_b, core_b = split_region(b)
    one_region = (region_a or region_b) and (region_a is None or region_b is None or region_a == region_b)
    if one_region and min(len(core_a), len(core_b)) >= 2:
        scores.append(fuzz.ratio(core_a, core_b))
    return int(round(max(scores)))


def fuzzy_prefixes(key: str) -> list[str]:
    """Cheap candidate filters for the fuzzy check: names sharing the first 4 characters, and, when
    the name has a region, names starting with its brand with or without the region in front."""
    prefixes = [key[:4]] if len(key) >= 2 else []
    region, core = split_region(key)
    if region and len(core) >= 2:
        prefixes += [core[:2], region + core[:2]]
    return list(dict.fromkeys(prefixes))


# --- the keys of a record --------------------------------------------------------------------
def customer_key_pairs(
    *,
    kind: str | None = "company",
    name: str | None = "",
    credit_code: str | None = "",
    phone: str | None = "",
    email: str | None = "",
) -> list[tuple[str, str]]:
    """(key kind, value) pairs of a customer's own fields. A person's name is not a key: two people
    called 张伟 are not one customer."""
    pairs: list[tuple[str, str]] = []
    if (kind or "company") != "individual":
        name_k = company_name_key(name)
        if len(name_k) >= 2:
            pairs.append(("name", name_k))
    code_k = credit_code_key(credit_code)
    if code_k:
        pairs.append(("credit_code", code_k))
    pairs += [("phone", k) for k in phone_keys(phone)]
    email_k = email_key(email)
    if email_k:
        pairs.append(("email", email_k))
    return list(dict.fromkeys(pairs))


def contact_key_pairs(
    *, mobile: str | None = "", phone: str | None = "", email: str | None = ""
) -> list[tuple[str, str]]:
    """(key kind, value) pairs of a contact: its numbers and e-mail count as its customer's."""
    pairs = [("phone", k) for k in phone_keys(mobile) + phone_keys(phone)]
    email_k = email_key(email)
    if email_k:
        pairs.append(("email", email_k))
    return list(dict.fromkeys(pairs))
