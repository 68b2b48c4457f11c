"""The portal runs on an offline intranet: no script, style, font or image from outside."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Namespace identifiers in SVG/XML are names, not fetched addresses.
NAMESPACES = ("http://www.w3.org/",)
OUTSIDE = re.compile(r"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[/"'\s)]""", re.I)


def served_files():
    for folder in ("templates", "static"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in {".html", ".css", ".js", ".svg", ".txt"}:
                yield path


def test_no_template_or_static_file_points_outside():
    offenders = []
    for path in served_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in OUTSIDE.finditer(text):
            if not match.group(0).startswith(NAMESPACES):
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert offenders == []


def test_the_check_would_catch_a_cdn_link():
    assert OUTSIDE.search('<script src="https://cdn.example.com/htmx.js">')
    assert OUTSIDE.search("@import url(//fonts.googleapis.com/css)")
