"""Unified social credit code (GB 32100-2015) checksum."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from guanxi.customers.validators import CREDIT_CODE_CHARS, credit_code_check_char, is_valid_credit_code

# Published codes of real companies (checksums verified by hand against GB 32100).
KNOWN_VALID = ["91350100M000100Y43", "91110000802100433B", "91440300708461136T"]


def test_known_codes_are_valid():
    assert all(is_valid_credit_code(c) for c in KNOWN_VALID)


def test_lower_case_and_spaces_are_tolerated():
    assert is_valid_credit_code(" 91350100m000100y43 ")


def test_wrong_length_or_letters_are_invalid():
    assert not is_valid_credit_code("91350100M000100Y4")
    assert not is_valid_credit_code("91350100M000100YI3")  # I is not in the alphabet


@given(st.text(alphabet=CREDIT_CODE_CHARS, min_size=17, max_size=17))
def test_the_computed_check_char_validates_and_any_other_does_not(first17):
    check = credit_code_check_char(first17)
    assert is_valid_credit_code(first17 + check)
    wrong = next(c for c in CREDIT_CODE_CHARS if c != check)
    assert not is_valid_credit_code(first17 + wrong)
