"""Writing exact decimals for people and for JSON."""

from decimal import Decimal


def decimal_text(value: Decimal) -> str:
    """Return a decimal without exponent or trailing zeros: 50.0000 → "50", 98.5000 → "98.5"."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return format(value.quantize(Decimal(1)), "f")
    return format(value.normalize(), "f")
