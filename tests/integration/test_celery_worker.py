"""A real Celery worker executes a task through the real Redis broker, against the test database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tasks.maintenance import plan_summary

from ..conftest import ROOT

pytestmark = [pytest.mark.worker, pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (make test)")]


@pytest.fixture
def worker(transactional_db, tmp_path: Path):
    """Start `celery worker` on the test database and the suite's Redis; stop it after the test."""
    db = connection.settings_dict
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    )
    log = tmp_path / "worker.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "metrology_portal", "worker", "--pool=solo", "--loglevel=INFO", "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            time.sleep(0.2)
        assert "ready." in log.read_text(), log.read_text()
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_a_worker_runs_a_task_through_redis(plan, worker):
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert connection.vendor == "postgresql"
    result = plan_summary.delay(plan.code)
    summary = result.get(timeout=60)
    assert summary == {"plan": "wenzhou-metrology", "areas": 4, "measures": 16, "indicators": 30, "targets": 24}
    assert result.successful()
