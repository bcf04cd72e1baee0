"""Match keys for duplicate detection: properties (hypothesis) and the documented examples."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.customers.dedupe.normalise import (
    CJK_SUFFIXES,
    company_name_key,
    credit_code_key,
    customer_key_pairs,
    email_key,
    name_similarity,
    phone_key,
    phone_keys,
)

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
LATIN = st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
# A brand: Chinese characters (no suffix of its own), or a Latin word.
cjk_brand = st.text(CJK, min_size=2, max_size=8).filter(
    lambda s: not any(s.endswith(x) for x in (*CJK_SUFFIXES, "有限", "股份", "集团"))
)
latin_brand = st.text(LATIN, min_size=2, max_size=10).filter(
    lambda s: s.lower() not in {"co", "ltd", "inc", "llc", "corp", "corporation", "limited", "gmbh", "company", "plc"}
)


def full_width(text: str) -> str:
    """ASCII → full-width forms (what a Chinese input method produces)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in text)


# --- properties ------------------------------------------------------------------------------
@settings(max_examples=300)
@given(st.text(max_size=40))
def test_every_key_is_idempotent_on_any_text(text):
    # given any text, when a key is taken twice, then the second pass changes nothing
    assert company_name_key(company_name_key(text)) == company_name_key(text)
    assert email_key(email_key(text) or "") == email_key(text)
    assert credit_code_key(credit_code_key(text) or "") == credit_code_key(text)
    key = phone_key(text)
    if key is not None:
        assert phone_key(key) == key


@given(cjk_brand, st.sampled_from(CJK_SUFFIXES + ("",)), st.sampled_from(CJK_SUFFIXES + ("",)))
def test_chinese_suffix_variants_map_to_one_key(brand, suffix1, suffix2):
    # given one brand with two different legal-form suffixes (or none), then both have the brand's key
    assert company_name_key(brand + suffix1) == company_name_key(brand + suffix2) == company_name_key(brand)


@given(latin_brand, st.sampled_from(["", " Co., Ltd.", " Co.,Ltd", " Inc.", " INC", " LLC", " Corp.", " Limited",
                                     " GmbH", " Co., Limited"]))  # fmt: skip
def test_latin_suffix_variants_map_to_one_key(brand, suffix):
    assert company_name_key(brand + suffix) == company_name_key(brand)


@given(st.one_of(cjk_brand, latin_brand), st.sampled_from(["有限公司", " Co., Ltd.", ""]))
def test_name_key_ignores_width_case_and_spacing(brand, suffix):
    name = brand + suffix
    key = company_name_key(name)
    # full-width input, other case and extra spaces give the same key
    assert company_name_key(full_width(name)) == key
    assert company_name_key(name.upper()) == key == company_name_key(name.lower())
    assert company_name_key(f"  {name}  ") == key
    assert company_name_key(name.replace(" ", "   ")) == key


@given(cjk_brand)
def test_spaces_and_punctuation_inside_chinese_names_do_not_matter(brand):
    spaced = " ".join(brand) + " 有限 公司"
    assert company_name_key(spaced) == company_name_key(brand + "有限公司")
    assert company_name_key(brand[:1] + "·" + brand[1:] + "（有限公司）") == company_name_key(brand)


@given(st.text(st.sampled_from("0123456789"), min_size=8, max_size=8), st.sampled_from("3456789"))
def test_mobile_numbers_with_country_code_and_separators_share_a_key(digits8, second):
    mobile = "1" + second + "0" + digits8
    variants = [
        mobile,
        f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}",
        f"0086-{mobile}",
        f"86{mobile}",
        f"+86-{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}",
        full_width(mobile),
        f"({mobile[:3]}) {mobile[3:]}",
    ]
    assert {phone_key(v) for v in variants} == {mobile}


@given(st.text(st.sampled_from("0123456789 -"), max_size=12))
def test_short_numbers_are_not_keys(text):
    if len([c for c in text if c.isdigit()]) < 7:
        assert phone_key(text) is None


@given(st.emails())
def test_email_key_ignores_case_width_and_surrounding_space(email):
    assert email_key(f"  {email.upper()} ") == email_key(email) == email.lower()


# --- documented examples ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "a,b",
    [
        ("北京华信科技有限公司", "北京华信科技"),
        ("北京华信科技有限公司", "北京华信科技股份有限公司"),
        ("北京华信科技有限公司", "北京华信科技有限责任公司"),
        ("北京华信科技集团有限公司", "北京华信科技"),
        ("北京华信科技有限公司", "北京 华信科技 有限公司"),
        ("Acme Co., Ltd.", "ACME Inc"),
        ("ＡＣＭＥ　Ｃｏ．，Ｌｔｄ．", "acme"),
        ("Acme Trading Co.,Ltd", "acme trading limited"),
    ],
)
def test_spellings_of_one_company_share_a_key(a, b):
    assert company_name_key(a) == company_name_key(b)


@pytest.mark.parametrize(
    "a,b",
    [
        ("北京华信科技有限公司", "上海华信科技有限公司"),
        ("Costco", "Cost"),  # a suffix inside a word is not a suffix
        ("华信科技（北京）有限公司", "北京华信科技有限公司"),  # a region in parentheses is kept (fuzzy finds it)
    ],
)
def test_different_names_keep_different_keys(a, b):
    assert company_name_key(a) != company_name_key(b)


def test_suffix_alone_is_not_stripped_to_nothing():
    assert company_name_key("有限公司") == "有限"
    assert company_name_key("Limited") == "limited"
    assert company_name_key("  ") == ""


@pytest.mark.parametrize(
    "raw,key",
    [
        ("+86 10 6288 1234", "01062881234"),  # international landline: the trunk 0 comes back
        ("(010) 6288-1234", "01062881234"),
        ("010-62881234 转 8001", "01062881234"),  # extension dropped
        ("010-62881234 ext. 12", "01062881234"),
        ("６２８８１２３４", "62881234"),
        ("123456", None),
        ("", None),
    ],
)
def test_phone_keys(raw, key):
    assert phone_key(raw) == key


def test_a_phone_field_with_two_numbers_gives_two_keys():
    assert phone_keys("13812345678 / 010-62881234；13812345678") == ["13812345678", "01062881234"]


def test_credit_code_key_is_upper_case_without_spaces():
    assert credit_code_key(" 91110108 mA01c2b34x ") == "91110108MA01C2B34X"
    assert credit_code_key(unicodedata.normalize("NFKC", "")) is None


def test_a_persons_name_is_not_a_key_but_their_phone_is():
    pairs = customer_key_pairs(kind="individual", name="张伟", phone="13812345678")
    assert pairs == [("phone", "13812345678")]
    assert ("name", "北京华信科技") in customer_key_pairs(kind="company", name="北京华信科技有限公司")


def test_name_similarity_finds_longer_variants_and_moved_regions_but_not_other_brands():
    assert name_similarity("北京华信科技", "北京华信科技发展") >= 90
    assert name_similarity("华信科技北京", "北京华信科技") >= 90
    assert name_similarity("北京华信科技", "北京华瑞科技") < 90
    assert name_similarity("北京华信科技", "上海华信科技") < 90  # two regions: likely two companies
