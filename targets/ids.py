"""Reading a database id (or a version number) out of user input: the one parser every door uses.

`int()` is too lenient for text from a URL or a form: it takes "-1", " 12 ", "1_000" and other
scripts' digits ("١٢" is 12), and a number beyond a 64-bit integer makes the database driver fail
(SQLite raises OverflowError) instead of finding nothing. Pure Python: the access helpers in
permissions.py use it as well as the views.
"""

from __future__ import annotations

import re

MAX_ID = 2**63 - 1  # the largest value of a PostgreSQL bigint / SQLite integer
# ASCII digits only, at most as many as MAX_ID has: anything longer is out of range anyway.
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(raw: object) -> int | None:
    """Return `raw` as an id (an int from 1 to 2**63 − 1), or None when it is anything else.

    Takes an int or a string of ASCII digits; refuses signs, spaces, exponents, underscores,
    non-ASCII digits, booleans and values out of range.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and _DIGITS.fullmatch(raw):
        value = int(raw)
    else:
        return None
    return value if 1 <= value <= MAX_ID else None
