"""Benchmark of the quarterly briefing (季度通报): how long the PDF and the Word file take to build.

Not a test: it measures on one machine, in one run, and records the figures in bench/results/
(briefing.json + briefing.md). The data is the demo's (1×: the Wenzhou plan, its 27 units and the
demo figures of `seed_demo`, progress recomputed), on PostgreSQL like production. Each file is
built once to warm the process (fonts, matplotlib's font cache, WeasyPrint's imports: paid once
per worker), then BENCH_BRIEFING_RUNS times; wall time and the process's CPU time are recorded for
each phase the builder reports. Goal (issue 10): the briefing PDF in ≤ 10 s at 1×.

Run under throwaway services like the tests:
  DEBUG=0 SECRET_KEY=benchmark-only scripts/with-services.sh .venv/bin/python bench/briefing.py
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metrology_portal.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

RUNS = int(os.environ.get("BENCH_BRIEFING_RUNS", "3"))
GOAL_S = 10.0


def setup() -> None:
    quiet = io.StringIO()
    call_command("migrate", verbosity=0)
    call_command("load_plan", stdout=quiet)
    call_command("seed_demo", stdout=quiet)
    call_command("recompute_progress", stdout=quiet)


def measure(builder, kind: str, language: str) -> dict:
    from targets.exports.base import ExportRequest

    request = ExportRequest(kind=kind, user=None, language=language)
    builder(out=io.BytesIO(), request=request, report=lambda fraction: None)  # warm-up
    runs = []
    for _ in range(RUNS):
        marks = []
        wall, cpu = time.perf_counter(), time.process_time()
        out = io.BytesIO()

        def report(fraction: float) -> None:
            marks.append((fraction, round(time.perf_counter() - wall, 3)))

        summary = builder(out=out, request=request, report=report)
        runs.append({
            "wall_s": round(time.perf_counter() - wall, 3),
            "cpu_s": round(time.process_time() - cpu, 3),
            "bytes": len(out.getvalue()),
            "marks": marks,
            "summary": summary,
        })
    return {
        "kind": kind,
        "language": language,
        "runs": runs,
        "median_wall_s": statistics.median(r["wall_s"] for r in runs),
        "median_cpu_s": statistics.median(r["cpu_s"] for r in runs),
    }


def main() -> None:
    from targets.exports.briefing_docx import briefing_docx_build
    from targets.exports.briefing_pdf import briefing_pdf_build

    setup()
    results = [
        measure(briefing_pdf_build, "briefing_pdf", "zh-hans"),
        measure(briefing_pdf_build, "briefing_pdf", "en"),
        measure(briefing_docx_build, "briefing_docx", "zh-hans"),
    ]
    record = {
        "recorded": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "load_average": os.getloadavg(),
        "goal_pdf_s": GOAL_S,
        "results": results,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "briefing.json").write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    lines = [
        "# Quarterly briefing: build time at 1× (demo data)",
        "",
        f"Recorded {record['recorded']} on {record['machine']['cpus']} CPUs (load average at the end: "
        f"{', '.join(f'{x:.1f}' for x in record['load_average'])}); median of {RUNS} builds after one warm-up.",
        "Goal: the PDF in ≤ 10 s.",
        "",
        "| file | language | pages / pictures | size | wall (s) | CPU (s) | goal |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in results:
        summary = result["runs"][-1]["summary"]
        count = summary.get("pages", summary.get("pictures", "—"))
        met = "—" if result["kind"] != "briefing_pdf" else ("met" if result["median_wall_s"] <= GOAL_S else "MISSED")
        lines.append(
            f"| {result['kind']} | {result['language']} | {count} | {result['runs'][-1]['bytes'] // 1024} KiB | "
            f"{result['median_wall_s']:.2f} | {result['median_cpu_s']:.2f} | {met} |"
        )
    lines += [
        "",
        "Phases of the last zh-hans PDF build (fraction reported → seconds since the start): "
        + ", ".join(f"{f:.2f} → {s:.2f}" for f, s in results[0]["runs"][-1]["marks"])
        + " (0.2: read; 0.4: text and SVG charts; 0.5: HTML; 0.85: WeasyPrint layout; 1.0: PDF written, fonts subset).",
        "",
    ]
    (RESULTS / "briefing.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
