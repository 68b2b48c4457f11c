"""Fixtures for tests that need the real Celery worker and Redis of `make test`."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection

from ..conftest import ROOT

needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (make test)")


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


def start_worker(log: Path, *options: str, env: dict | None = None) -> subprocess.Popen:
    """Start a real `celery worker` (the test database and the suite's Redis unless `env` says
    otherwise) and wait until it is ready; its output goes to `log` (also `process.log`)."""
    env = {**os.environ, "DATABASE_URL": test_database_url(), **(env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "metrology_portal", "worker", "--loglevel=INFO",
         "--without-mingle", "--without-gossip", *(options or ("--pool=solo",))],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    _wait_for(lambda: "ready." in log.read_text() or process.poll() is not None, 60, "the worker to start")
    assert process.poll() is None, log.read_text()
    process.log = log
    return process


def stop(process: subprocess.Popen) -> None:
    """Stop a process started by a test (it and only it), killing it if it does not stop."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def celery_worker(transactional_db, tmp_path: Path):
    """Start a real `celery worker` on the test database and the suite's Redis; stop it after."""
    process = start_worker(tmp_path / "worker.log")
    try:
        yield process
    finally:
        stop(process)


class RedisControl:
    """Stop and restart the suite's Redis server on its port, to test a broker outage for real."""

    def __init__(self, url: str, workdir: Path):
        parsed = urlparse(url)
        self.port = parsed.port
        self.workdir = workdir

    def ping(self) -> bool:
        return subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True).stdout.strip() == "PONG"

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        _wait_for(lambda: not self.ping(), 10, "Redis to stop")

    def start(self) -> None:
        subprocess.run(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir), "--daemonize", "yes", "--logfile", str(self.workdir / "redis.log")],
            check=True,
        )
        _wait_for(self.ping, 10, "Redis to start")


@pytest.fixture
def redis_control(tmp_path: Path):
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is not installed")
    control = RedisControl(settings.REDIS_URL, tmp_path)
    yield control
    if not control.ping():  # never leave the rest of the suite without its broker
        control.start()


def _own_items(values: dict, indicator, serial: int) -> dict:
    """Give a bulk figure's counted item an identifier of its own (of the indicator's kind), so that
    approving it is never refused as an item another figure counts already (targets.identifiers)."""
    from targets.identifiers import USCC

    from ..factories import uscc

    if "items" in values:
        number = uscc(50_000 + serial) if indicator.item_identifier == USCC else f"CERT-B{serial:05d}"
        values = dict(values, items=[{"name": f"批量项目{serial}", "number": number}])
    return values


def submitted_in_bulk(*, reporter, count: int, periods: list[str], indicators=None) -> list:
    """Write `count` submitted (not yet approved) figures, one per indicator × period × reporting
    unit, in a few statements; return the submissions.

    For the fault tests that approve hundreds through the API: the approvals are what they test,
    not how the figures were entered (the action tests cover that).
    """
    from django.utils import timezone

    from targets.models import Indicator, Period, Submission, SubmissionVersion

    from ..factories import typical_values

    now = timezone.now()
    from django.db.models import Count

    pairs = []
    # The indicators with the most reporting units first: as many figures on as few indicators.
    if indicators is None:
        indicators = Indicator.objects.filter(active=True).annotate(n=Count("reporting_units")).order_by("-n", "pk")
        indicators = indicators.prefetch_related("reporting_units")
    for indicator in indicators:
        for index, code in enumerate(periods):
            period = Period.objects.get(code=code)
            for unit in indicator.reporting_units.all():
                if len(pairs) < count:
                    pairs.append((
                        Submission(indicator=indicator, unit=unit, period=period, status=Submission.Status.SUBMITTED,
                                   first_submitted_at=now),
                        SubmissionVersion(number=1, created_at=now, created_by=reporter, submitted_by=reporter,
                                          submitted_at=now, **_own_items(typical_values(indicator, index), indicator, len(pairs))),
                    ))
    assert len(pairs) == count, f"the plan has room for {len(pairs)} figures in {periods}, not {count}"
    Submission.objects.bulk_create([s for s, _ in pairs])
    for submission, version in pairs:
        version.submission = submission
    SubmissionVersion.objects.bulk_create([v for _, v in pairs])
    for submission, version in pairs:
        submission.current = version
    Submission.objects.bulk_update([s for s, _ in pairs], ["current"])
    return [s for s, _ in pairs]


def snapshot_rows() -> set[tuple]:
    """Every snapshot row, every column but when it was computed."""
    from targets.actions.progress import COLUMNS
    from targets.models import ProgressSnapshot

    return set(ProgressSnapshot.objects.values_list(*[c for c in COLUMNS if c != "computed_at"]))


def assert_snapshots_equal_a_clean_recompute() -> int:
    """Compare every column of every snapshot row with those of a full recompute from scratch
    (the snapshots emptied first); return how many rows were compared."""
    from targets.actions.progress import progress_recompute_all
    from targets.models import ProgressSnapshot

    found = snapshot_rows()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {ProgressSnapshot._meta.db_table}")
    progress_recompute_all(trigger="clean-check")
    clean = snapshot_rows()
    assert found == clean, f"{len(found ^ clean)} rows differ, e.g. {sorted(found ^ clean, key=str)[:3]}"
    return len(clean)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_url_of_its_own(number: int) -> str:
    """The suite's Redis server, but a database number of the test's own: its queue and cache
    are no other test's (no other worker takes its tasks)."""
    parsed = urlparse(settings.REDIS_URL)
    return f"redis://{parsed.hostname}:{parsed.port}/{number}"


def start_web(log: Path, *, database_url: str, redis_url: str, workers: int = 2) -> tuple[subprocess.Popen, str]:
    """Start gunicorn as docker-compose.yml runs it (`workers` processes, no beat) on a free
    loopback port; return the process and its base URL once it answers."""
    import urllib.request

    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, ALLOWED_HOSTS="127.0.0.1",
               DJANGO_SETTINGS_MODULE="tests.integration.web_settings")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "metrology_portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "60", "--graceful-timeout", "5"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if process.poll() is not None:
            return True
        try:
            with urllib.request.urlopen(f"{base}/healthz/", timeout=2):  # nosec B310 - loopback URL of the test
                return True
        except OSError:
            return False

    _wait_for(answers, 60, "gunicorn to answer")
    assert process.poll() is None, log.read_text()
    process.log = log
    return process, base


class ThrowawayPostgres:
    """A PostgreSQL cluster of the test's own (as scripts/with-services.sh makes them: fsync off,
    loopback), with a copy of the test database; it can be stopped and started under load."""

    def __init__(self, workdir: Path):
        import glob

        self.bin = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))[-1]
        self.workdir = workdir
        self.port = free_port()
        self.url = f"postgres://portal@127.0.0.1:{self.port}/portal"
        self.as_root = os.geteuid() == 0
        workdir.chmod(0o755)
        if self.as_root:
            shutil.chown(workdir, "postgres")
        self._run("initdb", "-D", str(workdir / "data"), "-U", "portal", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "portal", "portal")

    def _run(self, program: str, *args: str) -> None:
        command = [f"{self.bin}/{program}", *args]
        if self.as_root:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True)

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.workdir / "data"), "-l", str(self.workdir / "server.log"), "-w", "-t", "60", "start",
                  "-o", f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off "
                        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.workdir / "data"), "-m", mode, "-w", "stop")

    def copy_of(self, database_url: str) -> None:
        """Copy a database into this cluster (the app's tables only, not db_state's saved states)."""
        dump = subprocess.run([f"{self.bin}/pg_dump", "-Fc", "--exclude-schema=state_*", "-d", database_url],
                              check=True, capture_output=True).stdout
        subprocess.run([f"{self.bin}/pg_restore", "--no-owner", "-d", self.url], input=dump, check=True, capture_output=True)

    def query(self, sql: str, params=()) -> list[tuple]:
        import psycopg2

        with psycopg2.connect(self.url) as db, db.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall() if cursor.description else []
        db.close()
        return rows

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.workdir, ignore_errors=True)


@pytest.fixture
def throwaway_postgres():
    import tempfile

    cluster = ThrowawayPostgres(Path(tempfile.mkdtemp(prefix="portal-fault-pg.")))
    yield cluster
    cluster.destroy()
