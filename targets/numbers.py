"""Writing exact decimals for people and for JSON: the one home of these conversions."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def decimal_text(value: Decimal) -> str:
    """Return a decimal without exponent or trailing zeros: 50.0000 → "50", 98.5000 → "98.5"."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return format(value.quantize(Decimal(1)), "f")
    return format(value.normalize(), "f")


def decimal_short(value: Decimal | None, places: int = 2) -> str:
    """Return a value for a cell or a chart label: exact when whole, else rounded to `places`
    decimals (display only); "—" for none."""
    if value is None:
        return "—"
    if value == value.to_integral_value():
        return decimal_text(value)
    return decimal_text(round(value, places))


def json_number(value: Decimal | None) -> int | float | None:
    """Return a Decimal as a JSON number: an int when whole (50, not 50.0), else a float.

    For the API's rows and the charts' points, whose readers compute with numbers."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def json_exact(value: Any) -> Any:
    """Return `value` as plain JSON types with Decimals, dates and the like as their exact text
    ("50.0000"), never a float: for records that must read back exactly as written (the audit log
    is hashed over them)."""
    return None if value is None else json.loads(json.dumps(value, default=str, ensure_ascii=False))
