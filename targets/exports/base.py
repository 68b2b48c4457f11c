"""What every export builder is given, and how it reports how far it has got.

A builder is a function `build(*, out, request, report) -> dict`: it writes the whole file to the
binary stream `out` (a temporary file; the job publishes it only once complete), reads through
selectors only, calls `report(fraction)` now and then (0.0 … 1.0) so the page's bar can move, and
returns a small summary (e.g. {"rows": 1234}) that the export record keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

from ..models import Period, Unit, User


@dataclass(frozen=True)
class ExportRequest:
    """Who asked for which export, of what, in which language."""

    kind: str
    user: User
    language: str = "zh-hans"
    period: Period | None = None
    unit: Unit | None = None
    filters: dict[str, str] = field(default_factory=dict)


Report = Callable[[float], None]


class Builder(Protocol):
    def __call__(self, *, out: BinaryIO, request: ExportRequest, report: Report) -> dict: ...


def no_report(fraction: float) -> None:
    """A `report` for callers that show no progress (tests, the command line)."""


class ExportRefused(Exception):
    """A builder's reason not to build (e.g. no progress computed for the period), in words for the
    person who asked: the export is marked failed with this message, the file discarded."""
