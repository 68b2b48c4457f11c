"""Parse and check the figures a unit reports, by indicator kind (PROGRESS-RULES.md).

The same rules serve the web form, the Excel upload and the API: values may arrive as text,
numbers, booleans or dates. `figures_clean` returns typed values and, per field, messages in the
active language. A draft may leave values out; a submission needs everything its kind asks for.
Which values a kind takes, which are required and which checks apply is read from its entry in
kinds.py; the parsers (one per input type) and the checks (by name) are here.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from . import kinds
from .identifiers import USCC, identifier_label, identifier_problem_message, normalised
from .kinds import COMMON_FIELDS, kind_of
from .models import Indicator, Period, SubmissionVersion
from .numbers import decimal_text

MAX_COUNT = Decimal(10**9)
MAX_TEXT = 5000
MAX_ITEMS = 1000
UNUSUAL_FACTOR = 3  # an increment above 3× the unit's largest earlier quarter needs an explanation
UNUSUAL_DENOMINATOR_SHIFT = Decimal("0.5")  # a denominator moving more than 50% needs one too

# Commas are taken only between groups of three digits (1,234 or 12,345.5): “1,5” is not 15.
THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

TRUE_WORDS = {"1", "true", "yes", "y", "on", "是", "已完成", "完成", "done"}
FALSE_WORDS = {"0", "false", "no", "n", "off", "否", "未完成", "not done"}


def fields_for(indicator: Indicator) -> tuple[str, ...]:
    """Return the values the indicator's kind takes: its own, then note and explanation."""
    return kind_of(indicator).value_names


@dataclass
class Cleaned:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _typed(raw: Any) -> str:
    """Return typed text in its plain form: full-width digits and punctuation (１２，３４５．５, as
    Chinese input methods type them) become 12,345.5 (Unicode NFKC)."""
    return unicodedata.normalize("NFKC", str(raw)).strip()


def _count(raw: Any, name: str, out: Cleaned) -> Decimal | None:
    if _blank(raw):
        return None
    if isinstance(raw, bool):
        out.error(name, _("Enter a number."))
        return None
    text = _typed(raw)
    if "," in text:
        if not THOUSANDS.fullmatch(text):
            out.error(name, _("“%s” is not a number: a comma may only separate thousands (1,234).") % str(raw)[:50])
            return None
        text = text.replace(",", "")
    try:
        # Decimal would read "1_5" as 15, as the comma used to be: underscores are no digit separators here.
        if "_" in text:
            raise InvalidOperation
        number = Decimal(text)
    except InvalidOperation:
        out.error(name, _("“%s” is not a number.") % str(raw)[:50])
        return None
    if not number.is_finite():
        out.error(name, _("Enter a number."))
        return None
    if number < 0:
        out.error(name, _("Must not be negative."))
        return None
    if number != number.to_integral_value():
        out.error(name, _("A whole number is expected here (a count), not a fraction."))
        return None
    if number > MAX_COUNT:
        out.error(name, _("Implausibly large: at most %s.") % decimal_text(MAX_COUNT))
        return None
    return number.quantize(Decimal(1))


def _bool(raw: Any, name: str, out: Cleaned) -> bool | None:
    if _blank(raw):
        return None
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    out.error(name, _("Answer yes or no."))
    return None


def _date(raw: Any, name: str, out: Cleaned) -> dt.date | None:
    if _blank(raw):
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    # Only YYYY-MM-DD (an Excel date cell arrives as a date): fromisoformat alone would also take
    # 20261015 and 2026-W42, and a cut-off prefix would hide “2026-10-15garbage”.
    text = _typed(raw)
    if ISO_DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    out.error(name, _("“%s” is not a date (YYYY-MM-DD).") % str(raw)[:30])
    return None


def _text(raw: Any, name: str, out: Cleaned) -> str:
    text = "" if raw is None else str(raw).strip()
    if len(text) > MAX_TEXT:
        out.error(name, _("At most %d characters.") % MAX_TEXT)
    return text


# Items as text, one a line “name | number”: a backslash keeps a separator or a line break inside
# a name or number (\| \｜ \n \r, and \\ for a backslash), so any item round-trips through the web
# form's text box. Any other backslash is taken as typed (C:\temp).
ITEM_SEPARATORS = "|｜"
_ITEM_ESCAPES = {"\\": "\\", "|": "|", "｜": "｜", "n": "\n", "r": "\r"}
_ITEM_ESCAPED = {"\\": "\\\\", "|": "\\|", "｜": "\\｜", "\n": "\\n", "\r": "\\r"}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _item_escape(text: str) -> str:
    return "".join(_ITEM_ESCAPED.get(ch, ch) for ch in text)


def items_text(items: list[dict] | None) -> str:
    """Return items as the lines “name | number” that parse_items reads back to the same items."""
    lines = []
    for item in items or []:
        name, number = _item_escape(str(item.get("name") or "")), _item_escape(str(item.get("number") or ""))
        lines.append(f"{name} | {number}" if number else name)
    return "\n".join(lines)


def _item_line(line: str) -> tuple[str, str]:
    """Return (name, number) of a line “name | number”, undoing items_text's escapes."""
    parts: list[list[str]] = [[]]
    i = 0
    while i < len(line):
        ch = line[i]
        escaped = line[i + 1 : i + 2]
        if ch == "\\" and escaped and escaped in _ITEM_ESCAPES:
            parts[-1].append(_ITEM_ESCAPES[escaped])
            i += 2
            continue
        if ch in ITEM_SEPARATORS and len(parts) == 1:
            parts.append([])
        else:
            parts[-1].append(ch)
        i += 1
    parts.append([])  # a line without a separator has no number
    return "".join(parts[0]), "".join(parts[1])


def parse_items(raw: Any, out: Cleaned) -> list[dict]:
    """Return the counted items as [{name, number}] from a list or from lines “name | number”
    (written as items_text writes them)."""
    if _blank(raw):
        return []
    if isinstance(raw, str):
        rows = [line for line in _LINE_BREAK.split(raw) if line.strip()]
    elif isinstance(raw, list):
        rows = raw
    else:
        out.error("items", _("List each item counted: a name and a certificate number."))
        return []
    if len(rows) > MAX_ITEMS:
        out.error("items", _("At most %d items.") % MAX_ITEMS)
        return []
    items = []
    for i, row in enumerate(rows, start=1):
        if isinstance(row, dict):
            name, number = str(row.get("name") or "").strip(), str(row.get("number") or "").strip()
        else:
            name, number = _item_line(str(row))
            name, number = name.strip(), number.strip()
        if not name:
            out.error("items", _("Item %d has no name.") % i)
            continue
        items.append({"name": name[:200], "number": number[:100]})
    return items


def check_item_identifiers(identifier: str, items: list[dict], out: Cleaned, *, complete: bool) -> None:
    """Check the identifier each item carries (its `number`: identifiers.py), in place.

    A unified social credit code must be well formed, its check character right, and is stored
    normalised (upper case, no spaces); a certificate number is kept as typed. A submission needs
    every item's identifier (a draft may leave some out), and one list never names an identifier
    twice. Whether another submission already counts it is the actions' check (item_claims.py).
    """
    first_line: dict[str, int] = {}
    for line, item in enumerate(items, start=1):
        code = normalised(item["number"])
        if not code and not complete:
            continue
        problem = identifier_problem_message(identifier, code)
        if problem:
            out.error("items", _("Item %(line)d: %(problem)s.") % {"line": line, "problem": problem})
            continue
        if identifier == USCC:
            item["number"] = code
        if code in first_line:
            out.error("items", _(
                "Item %(line)d: the %(label)s %(code)s is already listed as item %(first)d; each item is counted once."
            ) % {"line": line, "label": identifier_label(identifier), "code": code, "first": first_line[code]})
        else:
            first_line[code] = line


def _self_status(raw: Any, name: str, out: Cleaned) -> str:
    status = "" if _blank(raw) else str(raw).strip()
    if status and status not in SubmissionVersion.SelfStatus.values:
        out.error(name, _("Choose on track, at risk or off track."))
    return status


# One parser per input type of kinds.py: (raw value, field name, Cleaned) → typed value.
PARSERS: dict[str, Callable[[Any, str, Cleaned], Any]] = {
    kinds.COUNT: _count,
    kinds.ITEMS: lambda raw, name, out: parse_items(raw, out),
    kinds.YES_NO: _bool,
    kinds.DATE: _date,
    kinds.TEXT: _text,
    kinds.SELF_STATUS: _self_status,
}


# --- Rules across values, named by the kinds (IndicatorKind.checks) ------------------------------


def _items_match_increment(v: dict, period: Period, out: Cleaned, complete: bool) -> None:
    if complete and v["increment"] is not None and "items" not in out.errors and len(v["items"]) != v["increment"]:
        out.error(
            "items",
            _("The increment is %(count)s but %(listed)d items are listed: list each one counted.")
            % {"count": decimal_text(v["increment"]), "listed": len(v["items"])},
        )


def _ratio_bounds(v: dict, period: Period, out: Cleaned, complete: bool) -> None:
    num, den = v["numerator"], v["denominator"]
    if den is not None and den == 0:
        out.error("denominator", _("The denominator must be greater than zero."))
    if num is not None and den is not None and num > den:
        out.error(
            "numerator",
            _("The numerator (%(num)s) cannot exceed the denominator (%(den)s).")
            % {"num": decimal_text(num), "den": decimal_text(den)},
        )


def _completion_date(v: dict, period: Period, out: Cleaned, complete: bool) -> None:
    if v["done"] is False:
        v["completed_on"] = None
    day = v["completed_on"]
    if day is None:
        return
    if day > timezone.localdate():
        out.error("completed_on", _("The completion date is in the future."))
    elif not (period.start <= day <= period.end):
        out.error(
            "completed_on",
            _("The completion date must lie within %(period)s (%(start)s – %(end)s).")
            % {"period": period.code, "start": period.start, "end": period.end},
        )


CHECKS: dict[str, Callable[[dict, Period, Cleaned, bool], None]] = {
    "items_match_increment": _items_match_increment,
    "ratio_bounds": _ratio_bounds,
    "completion_date": _completion_date,
}


def _missing(value: Any) -> bool:
    return value is None or value == ""


def figures_clean(indicator: Indicator, period: Period, raw: dict, *, complete: bool) -> Cleaned:
    """Return typed values for the indicator's kind and the per-field errors.

    `complete` asks for everything a submission needs; a draft only needs what is given to be right.
    """
    out = Cleaned()
    kind = kind_of(indicator)
    v = out.values
    for f in kind.fields:
        v[f.name] = PARSERS[f.input](raw.get(f.name), f.name, out)
        if f.input == kinds.ITEMS and "items" not in out.errors:
            check_item_identifiers(indicator.item_identifier, v[f.name], out, complete=complete)
    for check in kind.checks:
        CHECKS[check](v, period, out, complete)
    if complete:
        for f in kind.fields:
            needed = f.required or (f.required_when and v.get(f.required_when))
            if needed and _missing(v[f.name]) and f.name not in out.errors:
                out.error(f.name, str(f.missing))
    for name in COMMON_FIELDS:
        v[name] = _text(raw.get(name), name, out)
    return out


# --- Unusual figures, named by the kinds (IndicatorKind.unusual) ---------------------------------


def _increment_jump(values: dict, earlier: list[SubmissionVersion]) -> str | None:
    if values.get("increment") is None:
        return None
    largest = max((v.increment for v in earlier if v.increment is not None), default=None)
    if largest and values["increment"] > UNUSUAL_FACTOR * largest:
        return _("The increment %(value)s is more than 3× the unit's largest earlier quarter (%(largest)s).") % {
            "value": decimal_text(values["increment"]), "largest": decimal_text(largest),
        }
    return None


def _denominator_shift(values: dict, earlier: list[SubmissionVersion]) -> str | None:
    if not values.get("denominator"):
        return None
    last = next((v.denominator for v in reversed(earlier) if v.denominator), None)
    if last and abs(values["denominator"] - last) / last > UNUSUAL_DENOMINATOR_SHIFT:
        return _("The denominator moved more than 50%% from last quarter (%(last)s → %(value)s).") % {
            "last": decimal_text(last), "value": decimal_text(values["denominator"]),
        }
    return None


UNUSUAL: dict[str, Callable[[dict, list[SubmissionVersion]], str | None]] = {
    "increment_jump": _increment_jump,
    "denominator_shift": _denominator_shift,
}


def unusual_values(indicator: Indicator, values: dict, earlier: list[SubmissionVersion]) -> list[str]:
    """Return why the values are unusual against the unit's earlier quarters (oldest first)."""
    found = (UNUSUAL[name](values, earlier) for name in kind_of(indicator).unusual)
    return [reason for reason in found if reason]
