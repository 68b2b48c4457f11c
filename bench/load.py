"""Load test: 50 concurrent users for 60 s on the production shape, at 1× (the demo) and 10× data.

Not a test: it measures one run on one machine and records it in bench/results/load.{json,md}.
- gunicorn with 3 workers and production settings (collected, compressed static files), a Celery
  worker (concurrency 2) and beat, as docker-compose.yml runs them, on the throwaway PostgreSQL
  and Redis of scripts/with-services.sh (loopback);
- locust (bench/load_locust.py): 80 % leaders and reviewers reading dashboards and queues, 20 %
  reporters saving and submitting figures through the web form;
- meanwhile a probe approves a submitted figure through the API every few seconds and times how
  long until the leaders' overview shows it (recompute done, cached body refreshed).
Goals: zero errors; the dashboards' p95 ≤ 3 × the p95 of the trivial logged-in page (the password
form) in the same run; an approval visible on the overview within 5 s at p95.

Run: `make load` (LOAD_USERS, LOAD_SECONDS and LOAD_SCALES override 50, 60 and "1,10").
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="portal-load."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metrology_portal.settings")
os.environ.setdefault("SECRET_KEY", "load-test-only")
os.environ["DEBUG"] = "0"
os.environ["STATIC_ROOT"] = str(WORK / "static")
os.environ["ALLOWED_HOSTS"] = "127.0.0.1"

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from targets.actions import submission_save, user_create_or_update  # noqa: E402
from targets.actions.demo import DEMO_PASSWORD  # noqa: E402
from targets.actions.progress import progress_recompute_all, reporting_period  # noqa: E402
from targets.actions.tokens import token_issue  # noqa: E402
from targets.models import Area, Indicator, Measure, OutboxMessage, Period, Plan, Submission, Unit, User  # noqa: E402
from tests.factories import VALUES, approved_in_bulk  # noqa: E402

USERS = int(os.environ.get("LOAD_USERS", "50"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
SCALES = [int(s) for s in os.environ.get("LOAD_SCALES", "1,10").split(",")]
PROBE_EVERY = 3.0  # seconds between the probe's approvals
PROBE_POOL = 40
RESULTS = ROOT / "bench" / "results"
LATEST_APPROVAL = re.compile(r'data-latest-approval="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DASHBOARDS = ("dashboard: overview", "dashboard: area", "dashboard: measure")
TRIVIAL = "trivial page (password form)"


def log(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- data -------------------------------------------------------------------------------------

def prepare_demo() -> Plan:
    call_command("migrate", verbosity=0)
    call_command("load_plan", str(ROOT / "plans" / "wenzhou.yaml"), verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    plan = Plan.objects.get()
    current = reporting_period(plan)
    # Reporters save into the reporting period and the one before it.
    codes = list(Period.objects.filter(start__lte=current.start).order_by("-start").values_list("code", flat=True)[:2])
    Period.objects.filter(code__in=codes).update(is_open=True)
    recompute_everything()
    return plan


def recompute_everything() -> None:
    """A full recompute, which answers every recompute request queued so far (the plan load's, the
    new units'): the probe's approval must not queue behind thirty of them."""
    from django.utils import timezone

    started = timezone.now()
    progress_recompute_all(trigger="load-setup")
    OutboxMessage.objects.filter(processed_at__isnull=True, created_at__lt=started).update(processed_at=timezone.now())


def reporter_logins() -> dict[int, str]:
    """A reporter login for every unit that reports something (the demo has only five)."""
    logins = {}
    for unit in Unit.objects.filter(reported_indicators__isnull=False).distinct():
        username = f"load_{unit.code}".lower()
        user_create_or_update(username=username, role=User.Role.REPORTER, unit_code=unit.code, password=DEMO_PASSWORD)
        logins[unit.pk] = username
    return logins


def free_slots(logins: dict[int, str]) -> list[tuple]:
    """Every (reporter, period, indicator, form values) with no figures yet in an open period."""
    taken = set(Submission.objects.values_list("indicator_id", "unit_id", "period_id"))
    slots = []
    for period in Period.objects.filter(is_open=True):
        for indicator in Indicator.objects.filter(active=True).prefetch_related("reporting_units"):
            for unit in indicator.reporting_units.all():
                if (indicator.pk, unit.pk, period.pk) not in taken and unit.pk in logins:
                    slots.append((logins[unit.pk], period.code, indicator.code, {**VALUES[indicator.kind], "explanation": "负载测试数据。"}))
    return slots


def probe_pool(slots: list[tuple]) -> list[int]:
    """Submitted figures of the reporting period (which the overview shows) for the probe to
    approve, taken from the free slots (and removed from them), saved through the action."""
    current = reporting_period(Plan.objects.get()).code
    mine = [slot for slot in slots if slot[1] == current][:PROBE_POOL]
    for slot in mine:
        slots.remove(slot)
    pool = []
    for username, period, code, values in mine:
        user = User.objects.get(username=username)
        submission = submission_save(user=user, indicator=Indicator.objects.get(code=code), unit=user.unit,
                                     period=Period.objects.get(code=period), values=values, submit=True)
        pool.append(submission.pk)
    return pool


def scale_up(factor: int) -> int:
    """Add units reporting every active indicator with approved figures until there are about
    `factor` times the demo's approved figures; return how many approved figures there are."""
    demo = Submission.objects.filter(approved__isnull=False).count()
    periods = list(Period.objects.filter(submissions__approved__isnull=False).distinct().order_by("start"))
    indicators = list(Indicator.objects.filter(active=True))
    units_needed = math.ceil((factor - 1) * demo / (len(indicators) * len(periods)))
    city = Unit.objects.get(kind="city")
    new_units = Unit.objects.bulk_create([
        Unit(code=f"L{n:04d}", name_zh=f"负载单位{n}", name_en=f"Load unit {n}", kind="county", parent=city)
        for n in range(1, units_needed + 1)
    ])
    approved_in_bulk(units=new_units, indicators=indicators, periods=periods,
                     reviewer=User.objects.get(username="reviewer"))
    recompute_everything()
    return Submission.objects.filter(approved__isnull=False).count()


def sessions(username: str, count: int) -> list[str]:
    """Session ids of `username`, logged in already: the load is the day's work, not a burst of
    logins (each costs a deliberate third of a second of hashing)."""
    from django.test import Client

    user = User.objects.get(username=username)
    ids = []
    for _ in range(count):
        client = Client()
        client.force_login(user)
        ids.append(client.cookies["sessionid"].value)
    return ids


def setup_file(slots: list[tuple]) -> Path:
    path = WORK / "setup.json"
    reporters = sorted({slot[0] for slot in slots})
    path.write_text(json.dumps({
        "password": DEMO_PASSWORD,
        "sessions": {name: sessions(name, USERS) for name in ("leader", "reviewer")}
        | {name: sessions(name, 1) for name in reporters},
        "slots": slots,
        "areas": list(Area.objects.values_list("number", flat=True)),
        "measures": list(Measure.objects.values_list("number", flat=True)),
        "submissions": list(Submission.objects.order_by("-pk").values_list("pk", flat=True)[:200]),
    }, ensure_ascii=False), encoding="utf-8")
    return path


# --- services ---------------------------------------------------------------------------------

def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(name: str, *command: str) -> subprocess.Popen:
    return subprocess.Popen(list(command), cwd=ROOT, env=dict(os.environ),
                            stdout=(WORK / f"{name}.log").open("w"), stderr=subprocess.STDOUT)


def start_services() -> tuple[list[subprocess.Popen], str]:
    call_command("collectstatic", interactive=False, verbosity=0)
    port = free_port()
    processes = [
        start("web", sys.executable, "-m", "gunicorn", "metrology_portal.wsgi:application",
              "--bind", f"127.0.0.1:{port}", "--workers", "3", "--timeout", "120"),
        start("worker", sys.executable, "-m", "celery", "-A", "metrology_portal", "worker", "--loglevel=INFO",
              "--concurrency=2"),
        start("beat", sys.executable, "-m", "celery", "-A", "metrology_portal", "beat", "--loglevel=INFO",
              f"--schedule={WORK / 'celerybeat-schedule'}"),
    ]
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz/", timeout=2).ok and "ready." in (WORK / "worker.log").read_text():
                return processes, base
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit("the services did not start: see " + str(WORK))


def stop_services(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


# --- the probe: approval → overview -------------------------------------------------------------

class Probe(threading.Thread):
    """Approve one submitted figure through the API every PROBE_EVERY seconds; time until the
    overview shows an approval at least that recent."""

    def __init__(self, base: str, pool: list[int]):
        super().__init__(daemon=True)
        self.base = base
        self.pool = list(pool)
        self.token = token_issue(user=User.objects.get(username="reviewer")).key
        self.latencies: list[float] = []
        self.unseen = 0
        self.errors: list[str] = []
        self.stopping = threading.Event()

    def leader_session(self) -> requests.Session:
        session = requests.Session()
        session.cookies.set("sessionid", sessions("leader", 1)[0])
        return session

    def run(self) -> None:
        leader = self.leader_session()
        api = requests.Session()
        api.headers["Authorization"] = f"Token {self.token}"
        while self.pool and not self.stopping.is_set():
            pk = self.pool.pop()
            response = api.post(f"{self.base}/api/v1/submissions/{pk}/approve/", json={"version": 1}, timeout=30)
            if response.status_code != 200:
                self.errors.append(f"approve {pk}: {response.status_code}")
                continue
            answered = time.monotonic()
            approved_at = dt.datetime.fromisoformat(response.json()["history"][-1]["approved_at"])
            while True:
                page = leader.get(f"{self.base}/progress/", timeout=30)
                shown = LATEST_APPROVAL.search(page.text)
                if shown and dt.datetime.fromisoformat(shown.group(1)) >= approved_at:
                    self.latencies.append(time.monotonic() - answered)
                    break
                if time.monotonic() - answered > 60 or self.stopping.is_set():
                    log(f"probe: approval of {approved_at} not shown (the overview shows {shown and shown.group(1)})")
                    self.unseen += 1
                    break
                time.sleep(0.2)
            self.stopping.wait(max(0.0, PROBE_EVERY - (time.monotonic() - answered)))


# --- one run ----------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def run_locust(base: str, setup: Path, name: str) -> dict[str, dict]:
    prefix = WORK / name
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "load_locust.py"), "--headless",
         "-u", str(USERS), "-r", str(max(1, USERS // 5)), "-t", f"{SECONDS}s", "--host", base,
         "--csv", str(prefix), "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"],
        cwd=ROOT, env=dict(os.environ, LOAD_SETUP=str(setup)), check=False,
    )
    pages = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            pages[row["Name"] if row["Name"] != "Aggregated" else "(all)"] = {
                "method": row["Type"], "requests": int(row["Request Count"]), "errors": int(row["Failure Count"]),
                "p50_ms": float(row["50%"]), "p95_ms": float(row["95%"]), "p99_ms": float(row["99%"]),
            }
    failures = []
    if Path(f"{prefix}_failures.csv").exists():
        with open(f"{prefix}_failures.csv", encoding="utf-8") as handle:
            failures = [f"{r['Method']} {r['Name']}: {r['Error']} ×{r['Occurrences']}" for r in csv.DictReader(handle)]
    return {"pages": pages, "failures": failures}


def measure(scale: int, base: str, slots: list[tuple], pool: list[int]) -> dict:
    setup = setup_file(slots)
    probe = Probe(base, pool)
    probe.start()
    log(f"{scale}×: {USERS} users for {SECONDS} s")
    outcome = run_locust(base, setup, f"load_{scale}x")
    probe.stopping.set()
    probe.join(timeout=70)
    pages = outcome["pages"]
    dashboard_p95 = max([pages[n]["p95_ms"] for n in DASHBOARDS if n in pages] or [0])
    trivial_p95 = pages.get(TRIVIAL, {}).get("p95_ms", 0)
    errors = pages["(all)"]["errors"] + len(probe.errors) + probe.unseen
    return {
        "scale": scale,
        "approved_figures": Submission.objects.filter(approved__isnull=False).count(),
        "units": Unit.objects.count(),
        "users": USERS,
        "seconds": SECONDS,
        "pages": pages,
        "failures": outcome["failures"] + probe.errors,
        "approval_to_overview_s": {
            "count": len(probe.latencies), "not_seen_within_60_s": probe.unseen,
            "p50": percentile(probe.latencies, 0.5), "p95": percentile(probe.latencies, 0.95),
            "max": max(probe.latencies) if probe.latencies else None,
        },
        "goals": {
            "zero_errors": errors == 0,
            "dashboard_p95_vs_trivial_p95": round(dashboard_p95 / trivial_p95, 2) if trivial_p95 else None,
            "dashboard_p95_within_3x_trivial": bool(trivial_p95) and dashboard_p95 <= 3 * trivial_p95,
            "approval_visible_within_5_s_p95": bool(probe.latencies) and percentile(probe.latencies, 0.95) <= 5,
        },
    }


def write_results(results: list[dict]) -> None:
    RESULTS.mkdir(exist_ok=True)
    meta = {
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}",
        "postgresql": connection.cursor().connection.server_version,
    }
    (RESULTS / "load.json").write_text(json.dumps({**meta, "runs": results}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# Load test (`make load`)", "",
        f"{meta['when']} · {meta['machine']} · gunicorn 3 workers, Celery worker (2) and beat, PostgreSQL and Redis on loopback.",
        "Goals: zero errors; dashboards' p95 ≤ 3 × the trivial page's p95; an approval on the overview within 5 s (p95).", "",
    ]
    for run in results:
        goals, probe = run["goals"], run["approval_to_overview_s"]
        lines += [
            f"## {run['scale']}× data: {run['approved_figures']:,} approved figures, {run['units']} units; "
            f"{run['users']} users for {run['seconds']} s", "",
            "| page | requests | errors | p50 ms | p95 ms | p99 ms |", "|---|---:|---:|---:|---:|---:|",
        ]
        for name, page in sorted(run["pages"].items(), key=lambda item: (item[0] == "(all)", item[0])):
            lines.append(f"| {name} | {page['requests']} | {page['errors']} | {page['p50_ms']:.0f} | {page['p95_ms']:.0f} | {page['p99_ms']:.0f} |")
        seen = (f"{probe['count']} approvals: p50 {probe['p50']:.2f} s, p95 {probe['p95']:.2f} s, max {probe['max']:.2f} s"
                if probe["count"] else "no approval seen")
        lines += [
            "",
            f"- Approval → visible on the overview: {seen}; not seen within 60 s: {probe['not_seen_within_60_s']}.",
            f"- Zero errors: {'yes' if goals['zero_errors'] else 'NO'}"
            + (f" ({'; '.join(run['failures'][:5])})" if run["failures"] else ""),
            f"- Dashboards' p95 / trivial page's p95: {goals['dashboard_p95_vs_trivial_p95']} "
            f"({'met' if goals['dashboard_p95_within_3x_trivial'] else 'NOT met'}, goal ≤ 3).",
            f"- Approval visible within 5 s at p95: {'met' if goals['approval_visible_within_5_s_p95'] else 'NOT met'}.", "",
        ]
    (RESULTS / "load.md").write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    log(f"setting up the demo in {WORK}")
    prepare_demo()
    logins = reporter_logins()
    results = []
    processes, base = start_services()
    try:
        for scale in SCALES:
            if scale > 1:
                log(f"adding data to {scale}×")
                stop_services(processes)  # the new units appear to the web processes' caches too
                scale_up(scale)
                processes, base = start_services()
            slots = free_slots(logins)
            pool = probe_pool(slots)
            results.append(measure(scale, base, slots, pool))
            log(json.dumps(results[-1]["goals"]))
    finally:
        stop_services(processes)
        write_results(results) if results else None
        shutil.rmtree(WORK, ignore_errors=True)
    log(f"results in {RESULTS / 'load.md'}")


if __name__ == "__main__":
    main()
