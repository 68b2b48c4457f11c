"""The full recompute split over several connections, and snapshots that heal after a crash.

PostgreSQL only (the set-based engine). Transactional: the batches run on their own connections,
which see only committed data.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import override_settings

from targets.actions.outbox import progress_requeue_if_lost, relay_pending
from targets.actions.progress import COLUMNS, progress_recompute_all, recompute_batches
from targets.models import Indicator, OutboxMessage, ProgressRun, ProgressSnapshot

from .conftest import needs_redis
from .test_recompute_jobs import wait_until

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL engine runs on PostgreSQL only (make test)")

TODAY = dt.date(2026, 11, 26)
FIELDS = [c for c in COLUMNS if c != "computed_at"]


def all_rows() -> set[tuple]:
    return set(ProgressSnapshot.objects.values_list(*FIELDS))


def lose_the_snapshots() -> None:
    """What PostgreSQL does to an unlogged table after a crash: it comes back empty."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {ProgressSnapshot._meta.db_table}")


def test_the_table_is_unlogged(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = %s", [ProgressSnapshot._meta.db_table])
        assert cursor.fetchone()[0] == "u"


def test_the_batches_are_balanced_by_approved_figures(demo, transactional_db):
    indicators = list(Indicator.objects.filter(active=True))
    batches = recompute_batches(indicators, 2)
    assert len(batches) == 2 and all(batches)
    assert sorted(i.pk for batch in batches for i in batch) == sorted(i.pk for i in indicators), "each once"
    loads = [sum(i.submissions.filter(approved__isnull=False).count() + 1 for i in batch) for batch in batches]
    assert abs(loads[0] - loads[1]) <= max(i.submissions.count() for i in indicators) + 1
    assert recompute_batches(indicators[:1], 4) == [indicators[:1]], "never an empty batch"


def test_two_connections_write_exactly_the_rows_of_one(demo, transactional_db):
    with override_settings(PROGRESS_RECOMPUTE_CONNECTIONS=1):
        serial_runs = progress_recompute_all(trigger="test", today=TODAY)
    serial = all_rows()
    lose_the_snapshots()
    with override_settings(PROGRESS_RECOMPUTE_CONNECTIONS=2):
        parallel_runs = progress_recompute_all(trigger="test", today=TODAY)
    assert all_rows() == serial and len(serial) > 3000
    assert [(r.indicator_id, r.rows, r.latest_approval_at) for r in parallel_runs] == [
        (r.indicator_id, r.rows, r.latest_approval_at) for r in serial_runs
    ]
    assert ProgressRun.objects.filter(trigger="test").count() == 2 * Indicator.objects.filter(active=True).count()


def test_lost_snapshots_are_queued_again_once(demo, transactional_db):
    progress_recompute_all(trigger="test", today=TODAY)
    OutboxMessage.objects.all().delete()
    assert progress_requeue_if_lost() is False, "snapshots present: nothing to do"
    lose_the_snapshots()
    assert progress_requeue_if_lost() is True
    queued = set(OutboxMessage.objects.filter(processed_at__isnull=True).values_list("indicator_id", flat=True))
    assert queued == set(Indicator.objects.filter(active=True).values_list("pk", flat=True))
    assert progress_requeue_if_lost() is False, "not again while they are pending"


def test_nothing_is_queued_before_any_recompute_ran(plan, transactional_db):
    ProgressRun.objects.all().delete()
    lose_the_snapshots()
    OutboxMessage.objects.all().delete()
    assert progress_requeue_if_lost() is False and not OutboxMessage.objects.exists()


@needs_redis
def test_the_relay_and_a_real_worker_bring_lost_snapshots_back(demo, celery_worker):
    progress_recompute_all(trigger="test")
    before = all_rows()
    OutboxMessage.objects.all().delete()
    lose_the_snapshots()
    assert relay_pending() == Indicator.objects.filter(active=True).count()
    assert wait_until(lambda: ProgressSnapshot.objects.count() == len(before), timeout=120), celery_worker.log.read_text()[-3000:]
    assert wait_until(lambda: not OutboxMessage.objects.filter(processed_at__isnull=True).exists())
    assert all_rows() == before
