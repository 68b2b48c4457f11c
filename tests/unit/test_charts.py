"""The one chart mechanism (targets/charts/): figures go to the page as JSON that the portal's own
script draws, so no page needs an inline script (no database)."""

import json
import re
from pathlib import Path

import plotly.graph_objects as go
from django.utils import translation

from targets.charts.embed import chart
from targets.charts.figures_overview import status_by_area_figure
from targets.charts.style import FONT
from targets.models import Area
from targets.selectors.dashboards import StatusCounts
from targets.status import LIGHT_COLOURS, LIGHT_ORDER

ROOT = Path(__file__).resolve().parents[2]


def test_a_chart_is_json_that_cannot_close_its_script_element():
    figure = go.Figure(go.Bar(x=[1], y=["</script><script>alert(1)</script> & more"]))
    made = chart(figure, chart_id="x-chart")
    assert made.data_id == "x-chart-data"
    assert "<" not in made.json and ">" not in made.json and "&" not in made.json
    drawn = json.loads(made.json)
    assert drawn["data"][0]["y"] == ["</script><script>alert(1)</script> & more"]
    assert drawn["config"]["displaylogo"] is False and drawn["config"]["toImageButtonOptions"]["filename"] == "x-chart"


def test_the_config_follows_the_language():
    with translation.override("en"):
        assert json.loads(chart(go.Figure(), chart_id="a").json)["config"]["locale"] == "en"
    with translation.override("zh-hans"):
        config = json.loads(chart(go.Figure(), chart_id="a", toolbar=False).json)["config"]
    assert config["locale"] == "zh-CN" and config["displayModeBar"] is False


def test_the_overview_chart_uses_the_light_colours_and_the_one_font():
    counts = StatusCounts(area=Area(number=1, title_zh="计量", title_en="Metrology"))
    for s in ("achieved", "on_track", "at_risk", "missed", "no_data"):
        counts.add(s)
    figure = status_by_area_figure([counts])
    assert [t.marker.color for t in figure.data] == [LIGHT_COLOURS[light] for light in LIGHT_ORDER]
    assert [t.x for t in figure.data] == [(2,), (1,), (1,), (1,)]
    assert figure.layout.font.family == FONT


def test_no_template_has_an_inline_script():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = re.sub(r"\{% comment %\}.*?\{% endcomment %\}", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
        for attrs, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", text, re.DOTALL):
            if "src=" in attrs and not body.strip() or 'type="application/json"' in attrs:
                continue
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_one_script_draws_every_chart():
    assert not (ROOT / "static" / "js" / "dashboards.js").exists()
    drawing = [p.name for p in (ROOT / "static" / "js").glob("*.js") if "newPlot" in p.read_text(encoding="utf-8")]
    assert drawing == ["charts.js"]


def test_plotlys_base_styles_are_served_as_a_file_matching_the_plotly_shipped():
    """plotly.js would inject these rules inline (refused by the portal's CSP): the static file must
    hold exactly the rules of the plotly.js served, or charts lose their modebar and hover styles."""
    from targets.plotly_css import plotly_css

    from ..conftest import ROOT

    served = (ROOT / "static" / "css" / "plotly.css").read_text(encoding="utf-8")
    assert served == plotly_css()
    assert ".js-plotly-plot .plotly .modebar" in served and served.count("{") > 20
