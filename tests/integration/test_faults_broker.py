"""Faults of the broker and of the worker: Redis stopped during a queue of approvals, a worker
killed in the middle of a full recompute. Real Redis, real Celery workers, real PostgreSQL.

Each test says in its name what it broke and what it found intact.
"""

from __future__ import annotations

import os
import signal
import statistics
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from targets.actions.outbox import BROKER_WAIT
from targets.actions.progress import progress_recompute_all
from targets.actions.tokens import token_issue
from targets.models import Indicator, OutboxMessage, ProgressRun, Submission
from targets.progress_sql import LOCK_CLASS
from targets.selectors.progress import recompute_pending
from tasks.progress import recompute_all, relay_outbox

from ..factories import requests_done
from .conftest import (
    _wait_for,
    assert_snapshots_equal_a_clean_recompute,
    needs_redis,
    start_worker,
    stop,
    submitted_in_bulk,
)

pytestmark = [pytest.mark.worker, needs_redis]

APPROVALS_DURING_THE_OUTAGE = 200
APPROVALS_WITH_THE_BROKER_UP = 10


def nothing_pending() -> bool:
    return not recompute_pending()


def approve_through_the_api(client: Client, submissions) -> list[float]:
    """Approve each submission with a POST to the API; return how long each answer took."""
    took = []
    for submission in submissions:
        started = time.monotonic()
        response = client.post(f"/api/v1/submissions/{submission.pk}/approve/", {"version": 1}, content_type="application/json")
        took.append(time.monotonic() - started)
        assert response.status_code == 200, (response.status_code, response.content[:500])
        assert response.json()["status"] == "approved"
    return took


@pytest.mark.serial
def test_redis_stopped_during_200_api_approvals_answers_each_promptly_and_loses_no_recompute(
    plan, reporter, reviewer, celery_worker, redis_control
):
    """Broke: the broker (Redis shut down) while a reviewer approves 200 figures through the API.
    Found intact: every approval saved and answered without waiting on the broker; once Redis is
    back, beat's relay alone gets every recompute done; the snapshots then equal a clean full
    recompute, every column of every row.

    "Without waiting on the broker", checked without a clock-bound on speed: the median approval
    with Redis down may not cost more than the median with Redis up plus the relay's one broker
    wait (BROKER_WAIT, 1 s). Before the fix each approval waited ~19 s on the result store's
    retries, twenty times that margin; the median ignores a stray slow request on a busy machine.
    """
    client = Client(headers={"Authorization": f"Token {token_issue(user=reviewer).key}"})
    submissions = submitted_in_bulk(
        reporter=reporter, count=APPROVALS_WITH_THE_BROKER_UP + APPROVALS_DURING_THE_OUTAGE, periods=["2026Q3", "2026Q2", "2026Q1"]
    )
    # The plan load's requests are not this test's subject: done at once, in one full recompute.
    progress_recompute_all(trigger="test")
    requests_done()

    with_broker = approve_through_the_api(client, submissions[:APPROVALS_WITH_THE_BROKER_UP])
    _wait_for(nothing_pending, 60, "the recomputes of the approvals made with the broker up")

    redis_control.stop()
    outage = submissions[APPROVALS_WITH_THE_BROKER_UP:]
    outage_began = timezone.now()
    during_outage = approve_through_the_api(client, outage)
    assert Submission.objects.filter(pk__in=[s.pk for s in outage], status=Submission.Status.APPROVED).count() == len(outage)
    assert statistics.median(during_outage) < statistics.median(with_broker) + BROKER_WAIT, (
        f"median {statistics.median(during_outage):.2f} s with Redis down vs {statistics.median(with_broker):.2f} s up"
    )
    touched = set(Submission.objects.filter(pk__in=[s.pk for s in outage]).values_list("indicator_id", flat=True))
    waiting = OutboxMessage.objects.filter(processed_at__isnull=True, created_at__gte=outage_began)
    assert set(waiting.values_list("indicator_id", flat=True)) == touched, "every approval left its request"
    assert waiting.filter(attempts__gte=1).exclude(last_error="").exists(), "the relay tried and noted the outage"
    assert not ProgressRun.objects.filter(started_at__gte=outage_began).exists(), "nothing recomputed without a broker"

    redis_control.start()
    relay_outbox.apply_async()  # what beat sends every minute; the worker runs it — nobody else acts
    _wait_for(nothing_pending, 120, "the recomputes after the outage")
    for indicator_id in touched:  # each recompute saw the indicator's last approval
        last_approval = Submission.objects.filter(indicator_id=indicator_id).order_by("-approved__approved_at").values_list(
            "approved__approved_at", flat=True
        )[0]
        run = ProgressRun.objects.filter(indicator_id=indicator_id).latest("finished_at")
        assert run.started_at > last_approval and run.latest_approval_at == last_approval
    recomputes = ProgressRun.objects.filter(started_at__gte=outage_began).count()
    compared = assert_snapshots_equal_a_clean_recompute()
    print(f"\nRedis outage: {len(outage)} approvals (median {statistics.median(during_outage) * 1000:.0f} ms, "
          f"up: {statistics.median(with_broker) * 1000:.0f} ms), {len(touched)} indicators, {recomputes} recomputes after, "
          f"{compared} rows compared")


def pool_children(worker) -> list[int]:
    """The pids of the worker's pool processes (children of its main process)."""
    return [int(pid) for pid in Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()]


def waiting_for_an_advisory_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0] > 0


def nightly_runs_since(moment) -> dict[int, int]:
    runs = ProgressRun.objects.filter(trigger="nightly", started_at__gte=moment).values_list("indicator_id", flat=True)
    counts: dict[int, int] = {}
    for indicator_id in runs:
        counts[indicator_id] = counts.get(indicator_id, 0) + 1
    return counts


def test_a_worker_killed_by_sigkill_during_a_full_recompute_has_the_work_done_again_and_equal_to_a_clean_one(
    plan, demo, transactional_db, tmp_path
):
    """Broke: the worker process running the nightly full recompute, killed with SIGKILL while one
    of its two batches had committed and the other was waiting. Found intact: the task is handed
    out again (late acknowledgement, reject on worker loss) and done in full; the snapshots equal a
    clean recompute, every column of every row.

    The recompute is held in the middle by the recompute lock of one indicator, taken here on a
    connection of the test's own — no sleeping, no guessing when "the middle" is.
    """
    import psycopg2

    from .conftest import test_database_url

    queue = f"fault-{uuid.uuid4().hex[:8]}"  # this test's own queue: no other worker takes its task
    worker = start_worker(tmp_path / "worker.log", "--pool=prefork", "--concurrency=1", "-Q", queue)
    holder = psycopg2.connect(test_database_url())
    holder.autocommit = True
    try:
        with connection.cursor() as cursor:  # the snapshots lost: there is real work to redo
            cursor.execute("TRUNCATE targets_progresssnapshot")
        indicators = list(Indicator.objects.filter(active=True).order_by("pk").values_list("pk", flat=True))
        held = indicators[-1]
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_CLASS, held])
        began = timezone.now()
        recompute_all.apply_async(queue=queue)
        _wait_for(waiting_for_an_advisory_lock, 60, "the recompute to reach the held indicator")
        [child] = pool_children(worker)
        _wait_for(lambda: nightly_runs_since(began), 60, "the other batch to commit")
        half_done = nightly_runs_since(began)
        assert held not in half_done and len(half_done) < len(indicators), "killed in the middle"
        os.kill(child, signal.SIGKILL)
        _wait_for(lambda: "WorkerLostError" in worker.log.read_text(), 30, "the worker to notice its lost child")
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, held])

        _wait_for(lambda: set(nightly_runs_since(began)) == set(indicators) and nightly_runs_since(began)[held] == 1
                  and all(nightly_runs_since(began)[i] == 2 for i in half_done), 120, "the recompute to be done again")
        assert pool_children(worker) != [child] and worker.poll() is None
        compared = assert_snapshots_equal_a_clean_recompute()
        assert compared > 3000
        print(f"\nSIGKILL: {len(half_done)} of {len(indicators)} indicators done before the kill, all redone; "
              f"{compared} rows compared")
    finally:
        holder.close()
        stop(worker)
