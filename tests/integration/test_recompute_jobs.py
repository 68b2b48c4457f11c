"""Approvals are recomputed by a real Celery worker via the outbox; an outage delays, never drops."""

import time

import pytest
from django.db import transaction

from targets.actions.outbox import outbox_enqueue
from targets.actions.progress import reporting_period
from targets.models import Indicator, OutboxMessage, ProgressRun, ProgressSnapshot
from targets.selectors.progress import recompute_pending
from tasks.progress import recompute_indicator, relay_outbox

from ..conftest import CITY
from ..factories import approved, open_period
from .conftest import needs_redis

pytestmark = [pytest.mark.worker, needs_redis]
ITEMS = "装置甲 | A-1\n装置乙 | B-2"


def city_actual(code: str, period) -> object:
    row = ProgressSnapshot.objects.filter(indicator__code=code, unit__code=CITY, period=period).first()
    return row.actual if row else None


def wait_until(predicate, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return predicate()


def test_an_approval_is_recomputed_by_the_worker_after_commit(plan, reporter, reviewer, celery_worker):
    period = open_period(reporting_period(plan).code)
    approved(reporter, reviewer, "M01-STD", period.code, increment="2", items=ITEMS)
    assert OutboxMessage.objects.filter(indicator__code="M01-STD").exists(), "written with the approval"
    assert wait_until(lambda: city_actual("M01-STD", period) == 2), celery_worker.log.read_text()[-3000:]
    # The approval's message is marked done (the plan load's own requests, for every indicator, may
    # still be on their way on a busy machine: they are not this test's subject).
    assert wait_until(lambda: not OutboxMessage.objects.filter(indicator__code="M01-STD", processed_at__isnull=True).exists())
    run = ProgressRun.objects.filter(indicator__code="M01-STD").latest("finished_at")
    assert run.latest_approval_at is not None and run.trigger == "approval"


def test_a_broker_outage_delays_recomputation_but_never_drops_it(plan, reporter, reviewer, celery_worker, redis_control):
    period = open_period(reporting_period(plan).code)
    # Let the requests of the plan load be processed first: this test is about the approval's.
    relay_outbox()
    assert wait_until(lambda: not recompute_pending(), timeout=60)
    redis_control.stop()
    approved(reporter, reviewer, "M01-STD", period.code, increment="2", items=ITEMS)  # relay fails after commit
    message = OutboxMessage.objects.filter(indicator__code="M01-STD").latest("pk")
    assert message.processed_at is None and message.attempts >= 1 and message.last_error
    assert city_actual("M01-STD", period) is None
    redis_control.start()
    assert relay_outbox() == 1  # what beat does every minute
    assert wait_until(lambda: city_actual("M01-STD", period) == 2, timeout=60), celery_worker.log.read_text()[-3000:]
    assert wait_until(lambda: OutboxMessage.objects.get(pk=message.pk).processed_at is not None)


def test_a_burst_of_requests_for_one_indicator_coalesces(plan, transactional_db):
    indicator = Indicator.objects.get(code="M10-ENT")
    OutboxMessage.objects.all().delete()  # start from a clean outbox (the plan load queued requests)
    with transaction.atomic():
        for _ in range(5):
            OutboxMessage.objects.create(indicator=indicator)
    first = recompute_indicator.run(indicator.pk)
    assert "rows" in first and ProgressRun.objects.filter(indicator=indicator).count() == 1
    assert not OutboxMessage.objects.filter(indicator=indicator, processed_at__isnull=True).exists()
    # A task delivered again with nothing pending recomputes (idempotent, the same rows).
    rows = ProgressSnapshot.objects.filter(indicator=indicator).count()
    again = recompute_indicator.run(indicator.pk)
    assert again["rows"] == first["rows"] == rows and ProgressRun.objects.filter(indicator=indicator).count() == 2
    # Requests already covered by a newer run do not cause another one.
    OutboxMessage.objects.filter(indicator=indicator).update(processed_at=None)
    assert recompute_indicator.run(indicator.pk) == {"indicator": indicator.pk, "coalesced": True}
    assert ProgressRun.objects.filter(indicator=indicator).count() == 2, "no third run"
    assert not OutboxMessage.objects.filter(indicator=indicator, processed_at__isnull=True).exists()


def test_a_rolled_back_approval_leaves_no_request(plan, transactional_db):
    before = OutboxMessage.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(indicator_ids=[Indicator.objects.get(code="M10-ENT").pk])
        raise RuntimeError("the approval failed")
    assert OutboxMessage.objects.count() == before
