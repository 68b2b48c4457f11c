"""One home for the statuses (targets/status.py): every status has its words, colour and light, and
the stylesheets' status colours are the module's (no database)."""

import re
from pathlib import Path

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
    assert status.GOOD == ("achieved", "on_track")
    assert status.status_light("") == status.status_light(None) == "grey" and status.status_light("missed") == "red"


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
