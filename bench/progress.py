"""Benchmark of the progress engine and the overview page at 1×, 10× and 100× Wenzhou's scale.

Not a test: it measures, in one run on one machine, ratios that do not depend on how fast or busy
the machine is, and records them in bench/results/ (JSON + a markdown table):
- full recompute of every indicator  vs  the floor: one GROUP BY over the same approved rows in
  PostgreSQL, its result fetched (goal at 100×: ≤ 5×); on PostgreSQL the recompute is the
  set-based SQL of targets/progress_sql.py, written into an empty snapshot table;
- where its time goes: the computation alone (the same statement without the INSERT), and the
  write floor (replacing the same rows by constant ones: the primary key's maintenance, with
  nothing computed);
- the Python engine (targets/progress.py, the reference) on the same data, and whether both wrote
  identical rows (every column but computed_at);
- one indicator's recompute after an approval (seconds, and vs the floor);
- the same recompute replacing every existing row (what the nightly job does);
- the leaders' overview page  vs  a trivial logged-in page (the password form) (goal: ≤ 3×): as
  served (its body cached per recompute) and rendered afresh (the cache emptied: what the recompute
  job does in the worker to warm it, or a request when the warming failed).
Scale k: 13·k reporting units (100× ≈ 1,300), every active indicator reported by all of them,
16 quarters (2023Q1–2026Q4).

Run: `make bench` (throwaway PostgreSQL like the tests, with docker-compose.yml's shared_buffers).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metrology_portal.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from targets import progress_sql  # noqa: E402
from targets.actions import user_create_or_update  # noqa: E402
from targets.actions.progress import (  # noqa: E402
    _city_id,
    progress_recompute,
    progress_recompute_all,
    progress_recompute_python,
    reporting_period,
)
from targets.models import Indicator, Plan, ProgressSnapshot  # noqa: E402

SCALES = [int(s) for s in os.environ.get("BENCH_SCALES", "1,10,100").split(",")]
TODAY = dt.date(2027, 1, 15)  # the reporting period is then 2026Q4: 16 quarters from 2023Q1
UNITS_PER_SCALE = 13
FLOOR_SQL = """
SELECT s.indicator_id, s.unit_id, COUNT(*), SUM(v.increment), SUM(v.numerator), SUM(v.denominator),
       BOOL_OR(v.done), MAX(v.self_status)
FROM targets_submission s JOIN targets_submissionversion v ON v.id = s.approved_id
GROUP BY s.indicator_id, s.unit_id
"""


def timed(fn, repeat: int = 1) -> float:
    """Return the best wall time of `repeat` runs (the least disturbed by other work)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def median_time(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def reset_figures() -> None:
    with connection.cursor() as c:
        c.execute("UPDATE targets_submission SET approved_id = NULL, current_id = NULL")
        c.execute("TRUNCATE targets_progresssnapshot, targets_progressrun, targets_outboxmessage, targets_submissionversion, targets_submission CASCADE")
        c.execute("DELETE FROM targets_indicator_reporting_units WHERE unit_id IN (SELECT id FROM targets_unit WHERE code LIKE 'B%%')", [])
        c.execute("DELETE FROM targets_unit WHERE code LIKE 'B%%'", [])


def generate(scale: int) -> int:
    """Create 13·scale units reporting every active indicator, with approved figures for 16 quarters."""
    units = UNITS_PER_SCALE * scale
    with connection.cursor() as c:
        c.execute("SELECT id FROM targets_unit WHERE kind = 'city'")
        city = c.fetchone()[0]
        c.execute(
            """INSERT INTO targets_unit (code, name_zh, name_en, kind, parent_id, assumption_zh, assumption_en, active)
               SELECT 'B' || lpad(n::text, 5, '0'), '基准单位' || n, 'Bench unit ' || n, 'county', %s, '', '', true
               FROM generate_series(1, %s) AS n""",
            [city, units],
        )
        c.execute("DELETE FROM targets_indicator_reporting_units")
        c.execute(
            """INSERT INTO targets_indicator_reporting_units (indicator_id, unit_id)
               SELECT i.id, u.id FROM targets_indicator i CROSS JOIN targets_unit u
               WHERE i.active AND u.code LIKE 'B%%'""",
            [],
        )
        c.execute(
            """INSERT INTO targets_submission (indicator_id, unit_id, period_id, status, first_submitted_at, is_demo, created_at)
               SELECT i.id, u.id, p.id, 'approved', p."end" + 5, false, now()
               FROM targets_indicator i CROSS JOIN targets_unit u CROSS JOIN targets_period p
               WHERE i.active AND u.code LIKE 'B%%' AND p.start BETWEEN '2023-01-01' AND '2026-10-01'""",
            [],
        )
        c.execute(
            """INSERT INTO targets_submissionversion
                 (submission_id, number, increment, items, numerator, denominator, done, completed_on, self_status,
                  narrative, note, explanation, reason, created_at, return_reason, approved_at)
               SELECT s.id, 1,
                 CASE WHEN i.kind = 'cumulative' THEN (s.unit_id * 7 + s.period_id * 3) %% 4 END,
                 '[]'::jsonb,
                 CASE WHEN i.kind LIKE 'ratio%%' THEN 900 + (s.unit_id * 13 + s.period_id) %% 100 END,
                 CASE WHEN i.kind LIKE 'ratio%%' THEN 1000 END,
                 CASE WHEN i.kind = 'milestone' THEN (s.unit_id + s.period_id) %% 9 = 0 END,
                 NULL,
                 CASE WHEN i.kind = 'narrative' THEN (ARRAY['on_track', 'at_risk', 'off_track'])[1 + s.unit_id %% 3] ELSE '' END,
                 '', '', '', '', now(), '', now()
               FROM targets_submission s JOIN targets_indicator i ON i.id = s.indicator_id""",
            [],  # with parameters given, %% stands for %
        )
        c.execute(
            """UPDATE targets_submission s SET approved_id = v.id, current_id = v.id
               FROM targets_submissionversion v WHERE v.submission_id = s.id"""
        )
        c.execute("ANALYZE")
        c.execute("SELECT COUNT(*) FROM targets_submission")
        return c.fetchone()[0]


# Every column of a snapshot row but its id and computed_at.
ROW_COLUMNS = (
    "indicator_id, unit_id, period_id, actual, target_id, target_value, target_year, deadline, mode, "
    "time_elapsed_pct, completion_pct, gap_pp, status, required_pace, recent_pace, projected"
)


def python_full() -> None:
    for indicator in Indicator.objects.filter(active=True).select_related("plan").order_by("pk"):
        progress_recompute_python(indicator=indicator, trigger="bench", today=TODAY)


def keep_python_rows() -> None:
    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS bench_python_rows")
        c.execute(f"CREATE TEMP TABLE bench_python_rows AS SELECT {ROW_COLUMNS} FROM targets_progresssnapshot")


def rows_differing() -> int:
    """Rows written by one engine and not by the other (0: identical)."""
    with connection.cursor() as c:
        c.execute(
            f"""SELECT (SELECT count(*) FROM (SELECT {ROW_COLUMNS} FROM bench_python_rows
                                              EXCEPT ALL SELECT {ROW_COLUMNS} FROM targets_progresssnapshot) a)
                     + (SELECT count(*) FROM (SELECT {ROW_COLUMNS} FROM targets_progresssnapshot
                                              EXCEPT ALL SELECT {ROW_COLUMNS} FROM bench_python_rows) b)"""
        )
        return c.fetchone()[0]


def compute_only() -> None:
    """The SQL recompute's statement without its INSERT: every row computed, counted, not written."""
    plan = Plan.objects.get()
    current = reporting_period(plan, TODAY)
    with connection.cursor() as c:
        c.execute(progress_sql.PERIODS, {"ord0": plan.start.year * 4 + (plan.start.month - 1) // 3, "plan_start": plan.start, "current_start": current.start})
        n = len(c.fetchall())
    params = {
        "ids": list(Indicator.objects.filter(active=True).values_list("pk", flat=True)),
        "ord0": plan.start.year * 4 + (plan.start.month - 1) // 3, "plan_start": plan.start,
        "current_start": current.start, "n": n, "city": _city_id(), "on_track_gap": plan.on_track_max_gap,
        "at_risk_gap": plan.at_risk_max_gap, "maintain_pp": plan.maintain_at_risk_pp,
    }
    with connection.cursor() as c:
        params["ytd_ids"] = progress_sql._ytd_ids(c, params["ids"])
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SET LOCAL work_mem = '128MB'")
        c.execute("SET LOCAL jit = off")
        c.execute(progress_sql.COMPUTE + " SELECT count(*), count(status) FROM result", params)
        c.fetchall()


def write_floor() -> float:
    """Seconds to replace the snapshot rows by the same keys with constant values, in an empty table:
    index maintenance (the snapshot table has no foreign-key constraints), nothing computed. Rolled back."""
    with transaction.atomic(), connection.cursor() as c:
        c.execute("CREATE TEMP TABLE bench_keys ON COMMIT DROP AS SELECT indicator_id, unit_id, period_id FROM targets_progresssnapshot")
        c.execute("TRUNCATE targets_progresssnapshot")
        start = time.perf_counter()
        c.execute(
            """INSERT INTO targets_progresssnapshot (indicator_id, unit_id, period_id, mode, status, computed_at)
               SELECT indicator_id, unit_id, period_id, '', 'no_data', now() FROM bench_keys ORDER BY 1, 2, 3"""
        )
        elapsed = time.perf_counter() - start
        transaction.set_rollback(True)
    return elapsed


def floor_query() -> None:
    with connection.cursor() as c:
        c.execute(FLOOR_SQL)
        c.fetchall()


def page_paths() -> tuple[str | None, str]:
    try:
        overview = reverse("targets:dashboard_overview")
    except NoReverseMatch:
        overview = None
    # The trivial page: the portal's layout around one small form, nothing read from the plan.
    return overview, reverse("targets:password_change")


def measure_scale(scale: int, client: Client) -> dict:
    reset_figures()
    rows = generate(scale)
    floor = timed(floor_query, repeat=3)
    python = timed(python_full)
    keep_python_rows()
    full = float("inf")
    for _ in range(3):  # best of three, each into an empty table (as after a crash or a first load)
        with connection.cursor() as c:
            c.execute("TRUNCATE targets_progresssnapshot")
        full = min(full, timed(lambda: progress_recompute_all(trigger="bench", today=TODAY)))
    snapshot_rows = ProgressSnapshot.objects.count()
    differing = rows_differing()
    # The nightly job: every row replaced (deleted and written again).
    replacing = timed(lambda: progress_recompute_all(trigger="bench", today=TODAY), repeat=2)
    compute = timed(compute_only)
    writes = write_floor()
    one = Indicator.objects.get(code="M01-STD")
    single = timed(lambda: progress_recompute(indicator=one, trigger="bench", today=TODAY), repeat=3)
    overview, trivial = page_paths()
    result = {
        "scale": scale,
        "units": UNITS_PER_SCALE * scale,
        "approved_rows": rows,
        "snapshot_rows": snapshot_rows,
        "floor_s": round(floor, 4),
        "full_recompute_s": round(full, 4),
        "full_vs_floor": round(full / floor, 2),
        "full_replacing_s": round(replacing, 4),
        "full_replacing_vs_floor": round(replacing / floor, 2),
        "compute_only_s": round(compute, 4),
        "write_floor_s": round(writes, 4),
        "python_full_s": round(python, 4),
        "rows_differing_from_python": differing,
        "one_indicator_s": round(single, 4),
        "one_indicator_vs_floor": round(single / floor, 2),
    }
    for path in filter(None, (overview, trivial)):
        client.get(path)  # warm templates, the session and the overview's cached body
    trivial_s = median_time(lambda: client.get(trivial), repeat=9)
    result["trivial_page_s"] = round(trivial_s, 4)
    if overview:
        # As served: the body rendered once per recompute (targets/dashboard_cache.py) ...
        overview_s = median_time(lambda: client.get(overview), repeat=9)
        result["overview_page_s"] = round(overview_s, 4)
        result["overview_vs_trivial"] = round(overview_s / trivial_s, 2)

        # ... and rendered afresh (the recompute job warms the cache this way).
        def first_after_recompute():
            cache.clear()
            client.get(overview)

        cold_s = median_time(first_after_recompute, repeat=9)
        result["overview_first_after_recompute_s"] = round(cold_s, 4)
        result["overview_first_vs_trivial"] = round(cold_s / trivial_s, 2)
    print(json.dumps(result), flush=True)
    return result


def database_setting(name: str) -> str:
    with connection.cursor() as c:
        c.execute("SELECT current_setting(%s)", [name])
        return c.fetchone()[0]


def write_results(results: list[dict]) -> Path:
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "benchmark": "progress",
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "database": f"{connection.vendor} {connection.pg_version // 10000}, shared_buffers {database_setting('shared_buffers')}",
        "goals": {"full_vs_floor_at_100x": 5, "overview_vs_trivial": 3},
        "results": results,
    }
    (out / "progress.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    lines = [
        "# Progress benchmark",
        "",
        f"Recorded {meta['when']} on {meta['machine']}, {meta['database']}. Ratios are measured in one run;",
        "seconds depend on the machine. Goals: full recompute ≤ 5× the floor at 100×; overview ≤ 3× a trivial page.",
        "",
        "Full recompute: the set-based SQL (targets/progress_sql.py) into an empty snapshot table. Compute only: the",
        "same statement without its INSERT. Write floor: the same rows written with constant values (the table's",
        "primary key alone). Python: the reference engine on the same data; rows differing: rows",
        "written by one engine and not the other (every column but computed_at). Full recompute: on",
        "PROGRESS_RECOMPUTE_CONNECTIONS (2) connections side by side, as the nightly job runs it.",
        "",
        "Pages (median of 9, a leader logged in): the trivial page is the password form (the layout and one",
        "small form, nothing read from the plan). The overview as served: its body rendered once per recompute, by",
        "the recompute job in the worker, and cached (targets/dashboard_cache.py). Rendered afresh: measured with",
        "the cache emptied before each request.",
        "",
        "| scale | units | approved rows | snapshot rows | floor (s) | full recompute (s) | full / floor | replacing all rows (s) | replacing / floor | compute only (s) | write floor (s) | Python engine (s) | rows differing | one indicator (s) | trivial page (ms) | overview (ms) | overview / trivial | overview rendered afresh / trivial |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['scale']}× | {r['units']} | {r['approved_rows']} | {r['snapshot_rows']} | {r['floor_s']} | "
            f"{r['full_recompute_s']} | {r['full_vs_floor']} | {r['full_replacing_s']} | {r['full_replacing_vs_floor']} | {r['compute_only_s']} | {r['write_floor_s']} | "
            f"{r['python_full_s']} | {r['rows_differing_from_python']} | {r['one_indicator_s']} | "
            f"{r['trivial_page_s'] * 1000:.1f} | {r.get('overview_page_s', 0) * 1000:.1f} | "
            f"{r.get('overview_vs_trivial', 'n/a')} | {r.get('overview_first_vs_trivial', 'n/a')} |"
        )
    (out / "progress.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("run the benchmark on PostgreSQL: make bench")
    call_command("migrate", verbosity=0)
    call_command("load_plan", str(settings.PLAN_FILE), verbosity=0)
    leader, _ = user_create_or_update(username="bench_leader", role="leader", password="Bench-password-2026")
    client = Client()
    client.force_login(leader)
    # Static files from the source tree, as in the tests: production's manifest needs `collectstatic`.
    with override_settings(STORAGES={
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }):
        results = [measure_scale(scale, client) for scale in SCALES]
    print(f"results written to {write_results(results)}")


if __name__ == "__main__":
    main()
