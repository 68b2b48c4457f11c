"""The unified social credit code (GB 32100-2015) and the normal form of identifiers."""

import pytest
from django.utils import translation

from targets.identifiers import (
    CERTIFICATE,
    USCC,
    USCC_CHARSET,
    WRONG_CHARACTER,
    WRONG_CHECK,
    WRONG_LENGTH,
    identifier_problem_message,
    is_uscc,
    name_key,
    normalised,
    uscc_check_character,
    uscc_problem,
)

# Published codes of well-known enterprises (on their business licences), computed independently
# of this module: the algorithm must accept them as they are.
PUBLISHED = ["91330100799655058B", "9144030071526726XG", "914403001922038216"]


def brute_force_check(first17: str) -> str:
    """The check character found by trying all 31: the one that makes Σ value·weight ≡ 0 (mod 31)
    over all 18 characters, the 18th weighing 1 (GB 32100-2015, 3^(i-1) mod 31 for i = 1…17)."""
    weights = [pow(3, i, 31) for i in range(17)]
    for candidate in USCC_CHARSET:
        total = sum(USCC_CHARSET.index(ch) * w for ch, w in zip(first17, weights)) + USCC_CHARSET.index(candidate)
        if total % 31 == 0:
            return candidate
    raise AssertionError("no check character")


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code):
    assert uscc_problem(code) is None and is_uscc(code)
    assert uscc_check_character(code[:17]) == code[17]


@pytest.mark.parametrize("first17", [
    "91330302MA2ABCDE1",  # a Wenzhou (Lucheng) enterprise, new-style organisation part
    "52330300MJ0000000",  # a social organisation registered by civil affairs
    "12330300470000000",  # a public institution
    "9133038200000000Y",
    "00000000000000000",  # Σ = 0 → 31 − 0 = 31 → check 0
])
def test_computed_codes_are_valid_and_match_the_definition(first17):
    check = uscc_check_character(first17)
    assert check == brute_force_check(first17)
    assert uscc_problem(first17 + check) is None


def test_sum_multiple_of_31_gives_check_zero():
    assert uscc_check_character("0" * 17) == "0"


@pytest.mark.parametrize("code", PUBLISHED + ["91330302MA2ABCDE1" + uscc_check_character("91330302MA2ABCDE1")])
def test_every_other_check_character_is_refused(code):
    for wrong in USCC_CHARSET:
        if wrong != code[-1]:
            assert uscc_problem(code[:-1] + wrong) == WRONG_CHECK


def test_a_single_changed_character_is_caught():
    code = PUBLISHED[0]
    for i in range(17):
        for other in USCC_CHARSET:
            if other != code[i]:
                assert uscc_problem(code[:i] + other + code[i + 1:]) == WRONG_CHECK


@pytest.mark.parametrize("code, problem", [
    ("91330100799655058", WRONG_LENGTH),
    ("91330100799655058BB", WRONG_LENGTH),
    ("", WRONG_LENGTH),
    ("91330100799655O58B", WRONG_CHARACTER),  # letter O for zero
    ("91330100799655I58B", WRONG_CHARACTER),
    ("9133010079965505SB", WRONG_CHARACTER),
    ("9133010079965505VB", WRONG_CHARACTER),
    ("9133010079965505ZB", WRONG_CHARACTER),
    ("91330100799655058b", WRONG_CHARACTER),  # not normalised yet
])
def test_malformed_codes(code, problem):
    assert uscc_problem(code) == problem


def test_normalised_form():
    assert normalised("  91330100799655058b ") == "91330100799655058B"
    assert normalised("９１３３０１００７９９６５５０５８ｂ") == "91330100799655058B"  # full width, as IMEs type it
    assert normalised("9133 0100 7996 5505 8B") == "91330100799655058B"
    assert normalised(None) == ""
    assert is_uscc(" 91330100799655058b")
    assert normalised("［2024］浙量标温证字 第001号") == "[2024]浙量标温证字第001号"
    assert name_key("温州 ＡＢＣ 有限公司") == name_key("温州abc有限公司")


def test_messages_in_both_languages():
    wrong = PUBLISHED[0][:-1] + "C"
    with translation.override("zh-hans"):
        message = identifier_problem_message(USCC, wrong)
        assert "校验" in message and wrong in message
        assert "18" in identifier_problem_message(USCC, "9133")
        assert "统一社会信用代码" in identifier_problem_message(USCC, "")
    with translation.override("en"):
        assert "check character" in identifier_problem_message(USCC, wrong)
    assert identifier_problem_message(USCC, PUBLISHED[0]) is None
    assert identifier_problem_message(CERTIFICATE, "[2024]浙量标温证字第001号") is None
    assert identifier_problem_message(CERTIFICATE, "") is not None
