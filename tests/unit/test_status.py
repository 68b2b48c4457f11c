"""One home for the statuses (targets/status.py): every status has its words, colour and light, and
the stylesheets' status colours are the module's (no database)."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from targets import status
from targets.models import ProgressSnapshot

ROOT = Path(__file__).resolve().parents[2]
CSS = ROOT / "static" / "css"


def css_variables(name: str, prefix: str) -> dict[str, str]:
    text = (CSS / name).read_text(encoding="utf-8")
    return {m.group(1): m.group(2).lower() for m in re.finditer(r"--" + prefix + r"-([a-z_]+):\s*(#[0-9a-fA-F]{3,6})\b", text)}


def test_every_status_has_its_place_words_colour_and_light():
    values = set(ProgressSnapshot.Status.values)
    assert set(status.ORDER) == values and len(status.ORDER) == len(values)
    assert set(status.COLOURS) == set(status.LIGHTS) == set(status.LABELS) == values
    assert set(status.LIGHTS.values()) == set(status.LIGHT_ORDER)
    assert set(status.LIGHT_LABELS) == set(status.LIGHT_HEADINGS) == set(status.LIGHT_COLOURS) == set(status.LIGHT_ORDER)
    assert status.GOOD == ("achieved", "achieved_late", "on_track")
    assert status.status_light("") == status.status_light(None) == "grey" and status.status_light("missed") == "red"
    # The verdicts after a deadline: met late is green (nothing left to push), missed is red.
    assert status.VERDICTS == ("achieved", "achieved_late", "missed")
    assert status.status_light("achieved_late") == "green" and "missed" in status.ATTENTION
    with translation.override("zh-hans"):
        assert str(status.LABELS["achieved_late"]) == "逾期完成"


def test_the_indicator_pages_css_has_the_status_colours():
    assert css_variables("indicator_pages.css", "st") == {s: c.lower() for s, c in status.COLOURS.items()}


def test_the_dashboards_css_has_the_light_colours():
    assert css_variables("dashboards.css", "light") == {light: c.lower() for light, c in status.LIGHT_COLOURS.items()}


def test_each_status_colour_is_defined_once_in_python():
    colours = list(status.COLOURS.values()) + list(status.LIGHT_COLOURS.values())
    sources = [p for p in (ROOT / "targets").rglob("*.py") if "migrations" not in p.parts]
    for colour in colours:
        homes = [p.relative_to(ROOT) for p in sources if colour.lower() in p.read_text(encoding="utf-8").lower()]
        assert [str(h) for h in homes] == ["targets/status.py"], colour


def test_every_status_has_its_chip_and_cell_in_the_css():
    text = (CSS / "indicator_pages.css").read_text(encoding="utf-8")
    for name in status.ORDER:
        if name in ("no_data", "no_target"):
            continue
        assert f".status-chip.st-{name} " in text and f".st-bg-{name} " in text, name


@pytest.mark.parametrize("gap, mode, words", [
    ("15.04", "reach", "15.0 percentage points behind the time elapsed"),
    ("-15", "reach", "15.0 percentage points ahead of the time elapsed"),
    ("-0.04", "reach", "level with the time elapsed"),
    ("1.25", "maintain", "1.3 percentage points below the target"),
    ("-0.5", "maintain", "0.5 percentage points above the target"),
    (None, "reach", ""),
])
def test_a_gap_is_worded_so_that_ahead_and_behind_cannot_be_confused(gap, mode, words):
    with translation.override("en"):
        assert status.gap_words(None if gap is None else Decimal(gap), mode) == words
    assert "−" not in words and "-" not in words


def test_the_chinese_gap_words_say_ahead_or_behind():
    with translation.override("zh-hans"):
        assert status.gap_words(Decimal("15"), "reach") == "滞后 15.0 个百分点"
        assert status.gap_words(Decimal("-15"), "reach") == "超前 15.0 个百分点"
