"""The identifiers counted items carry, so that nothing is counted twice.

An indicator's items carry one kind of identifier, named in the plan file (`item_identifier`):

- `uscc` — the unified social credit code (统一社会信用代码) of an enterprise or organisation:
  18 characters of 0-9 and the capital letters but I, O, S, V and Z, the last one a check
  character computed from the first 17 (GB 32100-2015);
- `certificate` — the number of a certificate or approval (a measurement standard's 考核证书, an
  authorisation, a specification's or an approval document's number): free text, compared without
  spaces and case.

Pure functions only: no models, no database (the claims that keep an identifier counted once per
indicator live in models.ItemClaim and actions.item_claims).
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

USCC = "uscc"
CERTIFICATE = "certificate"
IDENTIFIER_CHOICES = (
    (USCC, gettext_lazy("unified social credit code")),
    (CERTIFICATE, gettext_lazy("certificate number")),
)
IDENTIFIERS = tuple(value for value, _label in IDENTIFIER_CHOICES)

# GB 32100-2015: the code's 31 characters, each worth its position here (0–30).
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_LENGTH = 18
# The weight of each of the first 17 characters: 3^(i-1) mod 31.
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_PATTERN = re.compile(f"[{USCC_CHARSET}]{{{USCC_LENGTH}}}")
_WHITESPACE = re.compile(r"\s+")

# Why an identifier is refused (uscc_problem's answers).
WRONG_LENGTH = "length"
WRONG_CHARACTER = "character"
WRONG_CHECK = "check"


def normalised(text: object) -> str:
    """Return an identifier in the form it is compared and stored in: full-width characters made
    plain (Chinese input methods type ＡＢ１２), all spaces removed, upper case."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", str(text or ""))).upper()


def uscc_check_character(first17: str) -> str:
    """Return the check character of a code's first 17 characters (GB 32100-2015)."""
    if len(first17) != USCC_LENGTH - 1 or any(ch not in USCC_CHARSET for ch in first17):
        raise ValueError(f"not 17 credit-code characters: {first17!r}")
    total = sum(USCC_CHARSET.index(ch) * weight for ch, weight in zip(first17, USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Return why a normalised code is no unified social credit code (WRONG_LENGTH, WRONG_CHARACTER,
    WRONG_CHECK), or None when it is one."""
    if len(code) != USCC_LENGTH:
        return WRONG_LENGTH
    if not USCC_PATTERN.fullmatch(code):
        return WRONG_CHARACTER
    if uscc_check_character(code[:-1]) != code[-1]:
        return WRONG_CHECK
    return None


def is_uscc(text: object) -> bool:
    return uscc_problem(normalised(text)) is None


def identifier_label(identifier: str) -> str:
    """Return the name of an identifier kind in the active language."""
    return str(dict(IDENTIFIER_CHOICES).get(identifier, identifier))


def identifier_problem_message(identifier: str, code: str) -> str | None:
    """Return, in the active language, why `code` (normalised) is refused as an identifier of this
    kind, or None when it is acceptable."""
    if not code:
        return _("the %s is missing") % identifier_label(identifier)
    if identifier != USCC:
        return None
    problem = uscc_problem(code)
    if problem == WRONG_LENGTH:
        return _("the unified social credit code “%(code)s” has %(length)d characters instead of 18") % {
            "code": code[:40], "length": len(code),
        }
    if problem == WRONG_CHARACTER:
        bad = "".join(sorted({ch for ch in code if ch not in USCC_CHARSET}))
        return _(
            "the unified social credit code “%(code)s” contains “%(bad)s”: it uses only digits and the capital "
            "letters but I, O, S, V and Z"
        ) % {"code": code, "bad": bad}
    if problem == WRONG_CHECK:
        return _(
            "the check character (the last one) of the unified social credit code “%s” is wrong: check the code "
            "against the business licence"
        ) % code
    return None


def name_key(name: object) -> str:
    """Return an item's name as compared when looking for possible duplicates (same name, other
    identifier): full-width made plain, spaces removed, case ignored."""
    return normalised(name).casefold()
