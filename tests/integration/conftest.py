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


@pytest.fixture
def celery_worker(transactional_db, tmp_path: Path):
    """Start a real `celery worker` on the test database and the suite's Redis; stop it after."""
    db = connection.settings_dict
    env = dict(os.environ, DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}")
    log = tmp_path / "worker.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "metrology_portal", "worker", "--pool=solo", "--loglevel=INFO",
         "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(lambda: "ready." in log.read_text() or process.poll() is not None, 60, "the worker to start")
        assert process.poll() is None, log.read_text()
        process.log = log
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


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
