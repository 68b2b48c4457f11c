"""The overview's map colours each county-level division by one rule, stated under the map: the share
of its indicators with a status to judge that are green (achieved, achieved late or on track) —
green from 80 %, yellow from 50 %, red below; grey when nothing can be judged yet. Checked here
against the division's own snapshot rows, not against the code that draws the map."""

from collections import Counter

import pytest

from targets.models import ProgressSnapshot, Unit

from ..conftest import client_for
from .test_dashboards import latest_period_code, page
from .test_indicator_pages import embedded_figure

GREEN = {"achieved", "achieved_late", "on_track"}
JUDGED = GREEN | {"at_risk", "off_track", "missed"}


def expected_bin(statuses: Counter) -> str:
    judged = sum(n for s, n in statuses.items() if s in JUDGED)
    if not judged:
        return "grey"
    share = 100 * sum(n for s, n in statuses.items() if s in GREEN) / judged
    return "0–50%" if share < 50 else "50–80%" if share < 80 else "80–100%"


@pytest.mark.django_db
@pytest.mark.parametrize("period", [None, "2025Q2"])
def test_each_division_has_the_colour_of_its_share_of_green_indicators(computed, leader, period):
    period = period or latest_period_code()
    body = page(client_for(leader), "/progress/", period=period)
    traces = [t for t in embedded_figure(body, "overview-county-map") if t.get("type") == "choropleth"]
    shown = {code: trace["name"] for trace in traces for code in trace["locations"]}
    counties = Unit.objects.filter(kind=Unit.Kind.COUNTY, active=True)
    assert set(shown) == set(counties.values_list("code", flat=True)) and len(shown) == 12
    bins = Counter()
    for county in counties:
        rows = ProgressSnapshot.objects.filter(
            unit=county, period__code=period, indicator__active=True, indicator__reporting_units=county
        )
        want = expected_bin(Counter(rows.values_list("status", flat=True)))
        bins[want] += 1
        if want == "grey":
            assert shown[county.code] not in ("0–50%", "50–80%", "80–100%"), county.code
        else:
            assert shown[county.code] == want, (county.code, period)
    assert len(bins) >= 2, f"the demo should give divisions different colours at {period}: {dict(bins)}"
    # The rule is said in words beside the map.
    assert "已完成或正常推进的比例（绿：80% 及以上，黄：50%–80%，红：低于 50%）；灰色：尚无可评判的指标" in body
