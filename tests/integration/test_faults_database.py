"""Faults of the database and of concurrency on the production shape: gunicorn web processes and
Celery workers as separate processes, PostgreSQL restarted under load, several clients approving
one indicator at once.

Each test says in its name what it broke and what it found intact.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.test import Client
from kombu import Connection

from targets.actions.progress import progress_recompute_all
from targets.actions.tokens import token_issue
from targets.models import Indicator, OutboxMessage, ProgressRun, Submission
from targets.selectors.progress import recompute_pending

from .conftest import (
    _wait_for,
    assert_snapshots_equal_a_clean_recompute,
    needs_redis,
    redis_url_of_its_own,
    start_web,
    start_worker,
    stop,
    submitted_in_bulk,
    test_database_url,
)

pytestmark = [pytest.mark.worker, needs_redis]

# Redis database numbers of these tests' own (the suite's queue is database 0).
REDIS_DB_RESTART = 11
REDIS_DB_CONCURRENCY = 12


def flush(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def send_relay(redis_url: str) -> None:
    """What beat does every minute: send the outbox relay task to the workers."""
    from celery import current_app

    with Connection(redis_url) as broker:
        current_app.send_task("tasks.progress.relay_outbox", connection=broker, ignore_result=True)


class Load:
    """Client threads against gunicorn: approvers POST approvals through the API, a reader reads
    the progress API and the home page; every answer is recorded."""

    def __init__(self, base: str, approver_token: str, reader_token: str, session_id: str, submissions: list[int]):
        self.base = base
        self.approver = {"Authorization": f"Token {approver_token}"}
        self.reader = {"Authorization": f"Token {reader_token}"}
        self.cookies = {"sessionid": session_id}
        self.todo = list(submissions)
        self.answers: list[tuple[str, int, str, int | None]] = []  # (what, status, body, submission)
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def record(self, what: str, response: requests.Response | None, pk: int | None = None, error: str = "") -> None:
        with self.lock:
            if response is None:
                self.answers.append((what, 0, error, pk))
            else:
                self.answers.append((what, response.status_code, response.text[:20000], pk))

    def approve(self) -> None:
        with requests.Session() as http:
            while not self.stopping.is_set():
                with self.lock:
                    if not self.todo:
                        return
                    pk = self.todo.pop()
                try:
                    response = http.post(f"{self.base}/api/v1/submissions/{pk}/approve/", json={"version": 1},
                                         headers=self.approver, timeout=30)
                except requests.RequestException as exc:
                    self.record("approve", None, pk, str(exc))
                    response = None
                else:
                    self.record("approve", response, pk)
                # A 409 after a failed try: that approval had committed, only its answer was lost.
                if response is None or response.status_code not in (200, 409):
                    with self.lock:  # as a reviewer would: try that one again later
                        self.todo.insert(0, pk)

    def read(self) -> None:
        with requests.Session() as http:
            while not self.stopping.is_set():
                for what, url, kwargs in (
                    ("api-read", "/api/v1/progress/?page_size=5", {"headers": self.reader}),
                    ("page-read", "/", {"cookies": self.cookies}),
                ):
                    try:
                        response = http.get(f"{self.base}{url}", timeout=30, allow_redirects=False, **kwargs)
                    except requests.RequestException as exc:
                        self.record(what, None, error=str(exc))
                    else:
                        self.record(what, response)

    def count(self, predicate) -> int:
        with self.lock:
            return sum(1 for answer in self.answers if predicate(answer))


def test_postgresql_restarted_under_load_costs_only_clear_503s_and_keeps_every_acknowledged_write(
    plan, reporter, reviewer, leader, transactional_db, tmp_path, throwaway_postgres
):
    """Broke: PostgreSQL (a cluster of the test's own), stopped with a fast shutdown and started
    again while approvers and readers use two gunicorn web processes and a Celery worker.
    Found intact: the same web processes and worker go on working without a restart; every
    approval answered 2xx is in the database; the requests that failed during the outage got a
    503 saying to try again (JSON for the API, the portal's page for pages), never a 500 or a
    stack trace; after the restart every approval is recomputed, none on stale data.

    Not serial: the PostgreSQL it restarts is its own, its Redis queue a database number of its own.
    """
    submissions = [s.pk for s in submitted_in_bulk(reporter=reporter, count=60, periods=["2026Q3", "2026Q2"])]
    approver_token, reader_token = token_issue(user=reviewer).key, token_issue(user=leader).key
    browser = Client()
    browser.force_login(leader)
    OutboxMessage.objects.all().delete()  # the plan load's requests are not this test's subject
    throwaway_postgres.copy_of(test_database_url())
    redis_url = redis_url_of_its_own(REDIS_DB_RESTART)
    flush(redis_url)
    env = {"DATABASE_URL": throwaway_postgres.url, "REDIS_URL": redis_url}
    web, base = start_web(tmp_path / "web.log", database_url=throwaway_postgres.url, redis_url=redis_url)
    worker = start_worker(tmp_path / "worker.log", "--pool=solo", env=env)
    web_pids = sorted(int(p) for p in open(f"/proc/{web.pid}/task/{web.pid}/children").read().split())
    load = Load(base, approver_token, reader_token, browser.cookies["sessionid"].value, submissions)
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            running = [pool.submit(load.approve) for _ in range(3)] + [pool.submit(load.read)]
            try:  # whatever fails here, the client threads stop: the pool's exit waits for them
                _wait_for(lambda: load.count(lambda a: a[0] == "approve" and a[1] == 200) >= 10, 60, "approvals before the restart")
                throwaway_postgres.stop("fast")
                failed_before = load.count(lambda a: a[1] != 200)
                _wait_for(lambda: load.count(lambda a: a[1] != 200 and a[0] == "page-read") > 0
                          and load.count(lambda a: a[1] != 200 and a[0] == "approve") > failed_before, 30, "requests during the outage")
                throwaway_postgres.start()
                answered = len(load.answers)
                _wait_for(lambda: not load.todo, 120, "the approvals to finish")
            finally:
                load.stopping.set()
            for future in running:
                future.result()
        after_restart = load.answers[answered:]

        statuses = Counter((what, status) for what, status, _, _ in load.answers)
        failed_once = {pk for what, status, _, pk in load.answers if what == "approve" and status != 200}
        failures = [a for a in load.answers if a[1] not in (200, 302) and not (a[1] == 409 and a[3] in failed_once)]
        assert failures, "the outage was seen"
        for what, status, body, _ in failures:
            assert status == 503, (what, status, body[:500])
            assert "Traceback" not in body and "OperationalError" not in body
            if what == "page-read":
                assert "门户暂时无法使用" in body  # the portal's page, in Chinese
            else:
                assert json.loads(body)["detail"].startswith("门户暂时无法使用")
        assert all(status in (200, 302, 409) for _, status, _, _ in after_restart[-20:]), "working again without a restart"

        acknowledged = {pk for what, status, _, pk in load.answers if what == "approve" and status == 200}
        answered_409 = {pk for what, status, _, pk in load.answers if what == "approve" and status == 409}
        assert acknowledged | answered_409 == set(submissions), "every approval went through in the end"
        approved = {pk for (pk,) in throwaway_postgres.query(
            "SELECT id FROM targets_submission WHERE status = 'approved' AND id = ANY(%s)", [submissions])}
        assert acknowledged <= approved, f"acknowledged but lost: {sorted(acknowledged - approved)[:5]}"
        assert web.poll() is None and worker.poll() is None
        assert sorted(int(p) for p in open(f"/proc/{web.pid}/task/{web.pid}/children").read().split()) == web_pids

        send_relay(redis_url)  # beat's safety net for requests whose relay met the outage
        _wait_for(lambda: not throwaway_postgres.query("SELECT 1 FROM targets_outboxmessage WHERE processed_at IS NULL"),
                  120, "the recomputes after the restart")
        stale = throwaway_postgres.query(
            "SELECT s.indicator_id FROM targets_submission s JOIN targets_submissionversion v ON v.id = s.approved_id "
            "GROUP BY s.indicator_id HAVING max(v.approved_at) > (SELECT max(r.started_at) FROM targets_progressrun r "
            "WHERE r.indicator_id = s.indicator_id)"
        )
        assert stale == [], "an indicator's last recompute began before its last approval"
        print(f"\nPostgreSQL restart: {dict(statuses)}; {len(acknowledged)} acknowledged approvals all present "
              f"({len(approved)} approved in all)")
    finally:
        load.stopping.set()
        stop(web)
        stop(worker)
        flush(redis_url)


def test_two_workers_and_two_web_processes_coalesce_concurrent_approvals_of_one_indicator_without_stale_data_or_deadlock(
    plan, reporter, reviewer, transactional_db, tmp_path
):
    """Broke nothing; stressed: 6 clients approving 24 figures of the same indicator at once
    through two gunicorn web processes, recomputed by two Celery workers (no beat).
    Found intact: every approval answered 200; the recomputes coalesced (fewer runs than
    approvals); the last run began after the last approval (never stale); no deadlock; the end
    state equals a clean full recompute, every column of every row.
    """
    indicator = Indicator.objects.filter(active=True).order_by("pk").first()
    units = list(indicator.reporting_units.all())
    periods = ["2026Q3", "2026Q2", "2026Q1", "2025Q4"]
    assert len(units) * len(periods) >= 24, "enough figures for one indicator"
    submissions = [s.pk for s in submitted_in_bulk(reporter=reporter, count=24, periods=periods, indicators=[indicator])]
    token = token_issue(user=reviewer).key
    progress_recompute_all(trigger="test")  # every indicator's snapshots, before the approvals
    OutboxMessage.objects.all().delete()
    redis_url = redis_url_of_its_own(REDIS_DB_CONCURRENCY)
    flush(redis_url)
    env = {"REDIS_URL": redis_url}
    web, base = start_web(tmp_path / "web.log", database_url=test_database_url(), redis_url=redis_url)
    workers = [start_worker(tmp_path / f"worker{i}.log", "--pool=solo", "-n", f"fault{i}@%h", env=env) for i in (1, 2)]
    try:
        began = time.time()
        barrier = threading.Barrier(6)
        chunks = [submissions[i::6] for i in range(6)]

        def approve(chunk: list[int]) -> list[int]:
            statuses = []
            with requests.Session() as http:
                barrier.wait()
                for pk in chunk:
                    response = http.post(f"{base}/api/v1/submissions/{pk}/approve/", json={"version": 1},
                                         headers={"Authorization": f"Token {token}"}, timeout=60)
                    statuses.append(response.status_code)
            return statuses

        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = [s for chunk in pool.map(approve, chunks) for s in chunk]
        assert statuses == [200] * len(submissions)
        _wait_for(lambda: not recompute_pending(), 120, "the recomputes")

        runs = ProgressRun.objects.filter(indicator=indicator, trigger="approval")
        last_approval = max(Submission.objects.filter(pk__in=submissions).values_list("approved__approved_at", flat=True))
        last_run = runs.latest("started_at")
        assert last_run.started_at > last_approval and last_run.latest_approval_at == last_approval, "never stale"
        assert 1 <= runs.count() < len(submissions), f"{runs.count()} runs for {len(submissions)} approvals: not coalesced"
        for worker in workers:
            log = worker.log.read_text()
            assert "deadlock" not in log.lower() and worker.poll() is None, log[-3000:]
        assert "deadlock" not in web.log.read_text().lower()
        compared = assert_snapshots_equal_a_clean_recompute()
        print(f"\nConcurrency: {len(submissions)} approvals by 6 clients in {time.time() - began:.1f} s, "
              f"{runs.count()} recomputes, {compared} rows compared")
    finally:
        stop(web)
        for worker in workers:
            stop(worker)
        flush(redis_url)
