"""The quarterly briefing (季度通报) as PDF: HTML laid out for A4 by WeasyPrint.

The words and numbers are targets.exports.briefing_text's (the Word file prints the same), the
charts inline SVG from briefing_charts (vectors; their text stays text), the styles
static/css/briefing_print.css. The font is Noto Sans CJK SC from Debian's fonts-noto-cjk, found by
fontconfig and embedded (subset) in the file, so the PDF reads the same on any machine and its text
can be selected and searched. Nothing is fetched from the network: the fetcher WeasyPrint is given
refuses every URL but data: and file: ones (the portal runs on an offline intranet).

WeasyPrint needs Debian's pango (libpango-1.0-0, libpangoft2-1.0-0) and harfbuzz's subsetter
(libharfbuzz-subset0): scripts/ensure-system-packages.sh installs them.
"""

from __future__ import annotations

import logging
from typing import BinaryIO

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

# WeasyPrint logs each step of each page at INFO ("Step 5 - Creating layout - Page 3"), from its
# import on: the export reports its progress itself, so those lines would only fill the worker's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from weasyprint import CSS, HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402
from weasyprint.urls import URLFetcher  # noqa: E402

from ..status import LIGHT_COLOURS  # noqa: E402
from .base import ExportRequest, Report  # noqa: E402
from .briefing_charts import briefing_charts, svg_data_uri  # noqa: E402
from .briefing_text import briefing_of, document  # noqa: E402

logger = logging.getLogger(__name__)

STYLESHEET = "css/briefing_print.css"
OFFLINE_SCHEMES = ("data", "file")


class OfflineFetcher(URLFetcher):
    """WeasyPrint's fetcher for data: and file: URLs only; anything else (http, https, ftp…) is
    refused and noted in `refused` (the briefing references nothing outside the portal)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=set(OFFLINE_SCHEMES), timeout=1)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme not in OFFLINE_SCHEMES:
            self.refused.append(url)
            logger.warning("briefing PDF: refused to fetch %s (offline)", url[:200])
            raise ValueError(f"not fetched: the briefing is built offline ({url[:80]})")
        return super().fetch(url, headers)


def briefing_html(request: ExportRequest, report: Report) -> tuple[str, dict]:
    """Return the briefing as HTML for print, with what it is about ({"period", "language"})."""
    briefing = briefing_of(request)
    report(0.2)
    doc = document(briefing)
    charts = {key: svg_data_uri(data) for key, data in briefing_charts(briefing, "svg").items()}
    for section in doc["sections"]:
        section["chart"] = charts.get(section["key"])
    report(0.4)
    html = render_to_string(
        "targets/briefing/briefing.html",
        {
            "doc": doc,
            "charts": charts,
            "language": translation.get_language(),
            "light_colours": sorted(LIGHT_COLOURS.items()),
        },
    )
    return html, {"period": briefing.period.code, "language": translation.get_language()}


def briefing_pdf_build(*, out: BinaryIO, request: ExportRequest, report: Report) -> dict:
    """Write the quarterly briefing of the request's period as PDF to `out`; return
    {"pages", "period", "language"}."""
    with translation.override(request.language):
        html, about = briefing_html(request, report)
        fetcher = OfflineFetcher()
        fonts = FontConfiguration()
        stylesheet = CSS(filename=finders.find(STYLESHEET), url_fetcher=fetcher, font_config=fonts)
        report(0.5)
        rendered = HTML(string=html, url_fetcher=fetcher).render(stylesheets=[stylesheet], font_config=fonts)
        report(0.85)
        rendered.write_pdf(out)
        report(1.0)
    return {"pages": len(rendered.pages), **about}
