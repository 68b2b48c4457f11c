"""Parse and check the figures a unit reports, by indicator kind (PROGRESS-RULES.md).

The same rules serve the web form, the Excel upload and the API: values may arrive as text,
numbers, booleans or dates. `figures_clean` returns typed values and, per field, messages in the
active language. A draft may leave values out; a submission needs everything its kind asks for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Indicator, Period, SubmissionVersion

MAX_COUNT = Decimal(10**9)
MAX_TEXT = 5000
MAX_ITEMS = 1000
UNUSUAL_FACTOR = 3  # an increment above 3× the unit's largest earlier quarter needs an explanation
UNUSUAL_DENOMINATOR_SHIFT = Decimal("0.5")  # a denominator moving more than 50% needs one too

FIELDS_BY_KIND = {
    Indicator.Kind.CUMULATIVE: ("increment", "items"),
    Indicator.Kind.RATIO_YTD: ("numerator", "denominator"),
    Indicator.Kind.RATIO_LATEST: ("numerator", "denominator"),
    Indicator.Kind.MILESTONE: ("done", "completed_on"),
    Indicator.Kind.NARRATIVE: ("narrative", "self_status"),
}
COMMON_FIELDS = ("note", "explanation")
TRUE_WORDS = {"1", "true", "yes", "y", "on", "是", "已完成", "完成", "done"}
FALSE_WORDS = {"0", "false", "no", "n", "off", "否", "未完成", "not done"}


def fields_for(indicator: Indicator) -> tuple[str, ...]:
    return FIELDS_BY_KIND[indicator.kind] + COMMON_FIELDS


@dataclass
class Cleaned:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _count(raw: Any, name: str, out: Cleaned) -> Decimal | None:
    if _blank(raw):
        return None
    if isinstance(raw, bool):
        out.error(name, _("Enter a number."))
        return None
    try:
        number = Decimal(str(raw).strip().replace(",", ""))
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
        out.error(name, _("Implausibly large: at most %s.") % MAX_COUNT)
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
    try:
        return dt.date.fromisoformat(str(raw).strip()[:10])
    except ValueError:
        out.error(name, _("“%s” is not a date (YYYY-MM-DD).") % str(raw)[:30])
        return None


def _text(raw: Any, name: str, out: Cleaned) -> str:
    text = "" if raw is None else str(raw).strip()
    if len(text) > MAX_TEXT:
        out.error(name, _("At most %d characters.") % MAX_TEXT)
    return text


def parse_items(raw: Any, out: Cleaned) -> list[dict]:
    """Return the counted items as [{name, number}] from a list or from lines “name | number”."""
    if _blank(raw):
        return []
    if isinstance(raw, str):
        rows = [line for line in raw.splitlines() if line.strip()]
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
            name, _sep, number = str(row).replace("｜", "|").partition("|")
            name, number = name.strip(), number.strip()
        if not name:
            out.error("items", _("Item %d has no name.") % i)
            continue
        items.append({"name": name[:200], "number": number[:100]})
    return items


def figures_clean(indicator: Indicator, period: Period, raw: dict, *, complete: bool) -> Cleaned:
    """Return typed values for the indicator's kind and the per-field errors.

    `complete` asks for everything a submission needs; a draft only needs what is given to be right.
    """
    out = Cleaned()
    kind = indicator.kind
    v = out.values
    if kind == Indicator.Kind.CUMULATIVE:
        v["increment"] = _count(raw.get("increment"), "increment", out)
        v["items"] = parse_items(raw.get("items"), out)
        if complete and v["increment"] is None and "increment" not in out.errors:
            out.error("increment", _("Enter the quarter's increment."))
        if complete and v["increment"] is not None and "items" not in out.errors and len(v["items"]) != v["increment"]:
            out.error(
                "items",
                _("The increment is %(count)s but %(listed)d items are listed: list each one counted.")
                % {"count": v["increment"], "listed": len(v["items"])},
            )
    elif kind in (Indicator.Kind.RATIO_YTD, Indicator.Kind.RATIO_LATEST):
        v["numerator"] = _count(raw.get("numerator"), "numerator", out)
        v["denominator"] = _count(raw.get("denominator"), "denominator", out)
        num, den = v["numerator"], v["denominator"]
        if den is not None and den == 0:
            out.error("denominator", _("The denominator must be greater than zero."))
        if num is not None and den is not None and num > den:
            out.error("numerator", _("The numerator (%(num)s) cannot exceed the denominator (%(den)s).") % {"num": num, "den": den})
        if complete:
            for name, label in (("numerator", _("the numerator")), ("denominator", _("the denominator"))):
                if v[name] is None and name not in out.errors:
                    out.error(name, _("Enter %s.") % label)
    elif kind == Indicator.Kind.MILESTONE:
        v["done"] = _bool(raw.get("done"), "done", out)
        v["completed_on"] = _date(raw.get("completed_on"), "completed_on", out)
        if v["done"] is False:
            v["completed_on"] = None
        day = v["completed_on"]
        if day is not None:
            if day > timezone.localdate():
                out.error("completed_on", _("The completion date is in the future."))
            elif not (period.start <= day <= period.end):
                out.error(
                    "completed_on",
                    _("The completion date must lie within %(period)s (%(start)s – %(end)s).")
                    % {"period": period.code, "start": period.start, "end": period.end},
                )
        if complete and v["done"] is None and "done" not in out.errors:
            out.error("done", _("Say whether it is done."))
        if complete and v["done"] and day is None and "completed_on" not in out.errors:
            out.error("completed_on", _("Enter the completion date."))
    else:
        v["narrative"] = _text(raw.get("narrative"), "narrative", out)
        status = raw.get("self_status")
        v["self_status"] = "" if _blank(status) else str(status).strip()
        if v["self_status"] and v["self_status"] not in SubmissionVersion.SelfStatus.values:
            out.error("self_status", _("Choose on track, at risk or off track."))
        if complete and not v["narrative"]:
            out.error("narrative", _("Describe the quarter's progress."))
        if complete and not v["self_status"] and "self_status" not in out.errors:
            out.error("self_status", _("Choose on track, at risk or off track."))
    v["note"] = _text(raw.get("note"), "note", out)
    v["explanation"] = _text(raw.get("explanation"), "explanation", out)
    return out


def unusual_values(indicator: Indicator, values: dict, earlier: list[SubmissionVersion]) -> list[str]:
    """Return why the values are unusual against the unit's earlier quarters (oldest first)."""
    reasons = []
    if indicator.kind == Indicator.Kind.CUMULATIVE and values.get("increment") is not None:
        largest = max((v.increment for v in earlier if v.increment is not None), default=None)
        if largest and values["increment"] > UNUSUAL_FACTOR * largest:
            reasons.append(
                _("The increment %(value)s is more than 3× the unit's largest earlier quarter (%(largest)s).")
                % {"value": values["increment"], "largest": largest.normalize()}
            )
    if indicator.kind in (Indicator.Kind.RATIO_YTD, Indicator.Kind.RATIO_LATEST) and values.get("denominator"):
        last = next((v.denominator for v in reversed(earlier) if v.denominator), None)
        if last and abs(values["denominator"] - last) / last > UNUSUAL_DENOMINATOR_SHIFT:
            reasons.append(
                _("The denominator moved more than 50%% from last quarter (%(last)s → %(value)s).")
                % {"last": last.normalize(), "value": values["denominator"]}
            )
    return reasons
