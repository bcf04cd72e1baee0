"""Search text: pinyin, initials, phone digits, full-width input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.core.search import (
    NAME_SORT_MAX,
    SURNAME_READINGS,
    build_search_text,
    digits,
    name_sort_key,
    normalise,
    pinyin_forms,
    search_terms,
)


def test_company_name_is_found_by_pinyin_initials_and_full_pinyin():
    text = build_search_text(names=["北京华信科技有限公司"])
    assert "bjhxkjyxgs" in text  # initials: `bjhx` is a substring
    assert "beijinghuaxin" in text
    assert "北京华信" in text


def test_phone_is_stored_as_digits_and_without_country_code():
    text = build_search_text(phones=["+86 138-1234-5678"])
    assert "8613812345678" in text
    assert " 13812345678" in f" {text}"


def test_full_width_and_case_are_normalised():
    assert normalise("ＡＢＣ　Ｃｏ．") == "abc co."


def test_query_with_phone_separators_becomes_digits():
    assert search_terms("138-1234") == ["1381234"]
    assert search_terms("bjhx 北京") == ["bjhx", "北京"]


@given(st.text(max_size=60))
def test_every_name_is_found_by_its_own_normalised_form(name):
    text = build_search_text(names=[name])
    key = normalise(name).replace(" ", "")
    assert key in text
    # and a query typed the same way matches (each term is a substring of the search text)
    assert all(term in text or term in digits(text) for term in search_terms(name) if not term.isdigit())


@given(st.text(alphabet="0123456789 -+()", max_size=30))
def test_digits_keep_only_digits(phone):
    assert digits(phone) == "".join(ch for ch in phone if ch.isdigit())


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("北京华信科技有限公司长重行银乐朝阳单ABC abc-（）1２"), max_size=20))
def test_cached_pinyin_equals_plain_pypinyin(name):
    # the word cache must give exactly what pypinyin gives, polyphones (长/重/行/乐/单) included
    from pypinyin import Style, lazy_pinyin

    expected = ("", "")
    if name[:1] in SURNAME_READINGS and 2 <= len(name) <= 3:
        return  # may be a person's name: the surname's reading is tested below
    if any("\u4e00" <= ch <= "\u9fff" for ch in name):
        expected = (
            "".join(lazy_pinyin(name, errors="ignore")).lower(),
            "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower(),
        )
    assert pinyin_forms(name) == expected


def test_names_order_by_pinyin_syllable_by_syllable():
    names = ["张山", "北京华信", "Apple", "安徽建工", "张三", "阿里巴巴", "北辰", "重庆长安", "ａｂｃ", "123贸易"]
    # digits first; then by pinyin with Latin letters in the same alphabet, whatever their case or width;
    # a shorter syllable before a longer one that starts the same (a li < an hui; zhang san < zhang shan);
    # polyphones read in their word (重庆 chong qing, 长安 chang an)
    assert sorted(names, key=name_sort_key) == [
        "123贸易", "阿里巴巴", "ａｂｃ", "安徽建工", "Apple", "北辰", "北京华信", "重庆长安", "张三", "张山",
    ]  # fmt: skip
    assert name_sort_key("重庆长安") == "chong qing chang an"


@given(st.text(max_size=120))
def test_every_name_has_an_order_key_that_fits_its_column(name):
    key = name_sort_key(name)
    assert len(key) <= NAME_SORT_MAX and key == key.lower()


def test_a_persons_surname_is_read_as_a_surname_in_search_and_order():
    # 曾 is "ceng" in 曾经 but "zeng" as a surname; 单 "dan" / "shan"; compound surnames keep their reading
    assert pinyin_forms("曾刚") == ("zenggang", "zg")
    assert name_sort_key("单雄信") == "shan xiong xin"
    assert name_sort_key("尉迟恭") == "yu chi gong"
    assert pinyin_forms("曾经的公司")[0] == "cengjingdegongsi"  # not a person's name: the everyday reading
    assert sorted(["张三", "曾刚", "蔡彬"], key=name_sort_key) == ["蔡彬", "曾刚", "张三"]  # cai, zeng, zhang
