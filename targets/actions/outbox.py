"""The outbox: recompute requests written with the change that causes them, relayed after commit.

Everything about those requests lives here: writing them (outbox_enqueue), handing them to the
broker (relay_pending: after each commit, and every minute from beat as a safety net), working
them off one indicator at a time under the one advisory lock with a burst of them coalesced into
one run (outbox_process), and queueing everything again when the snapshots were lost
(progress_requeue_if_lost). The Celery jobs in tasks/ only call these.

Tasks are sent by name: actions never import tasks/ (tasks depend on actions, not the reverse).
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import current_app
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from ..models import Indicator, OutboxMessage, ProgressRun, ProgressSnapshot
from ..progress_sql import LOCK_CLASS
from ..selectors.progress import recompute_pending
from .progress import progress_recompute

logger = logging.getLogger(__name__)

RECOMPUTE_TASK = "tasks.progress.recompute_indicator"
# A message handed to the broker but still unprocessed this long after is sent again
# (the worker may have died with it; tasks are idempotent).
RESEND_AFTER = dt.timedelta(minutes=10)
# How long the relay waits for the broker, in seconds: it runs inside the request that made the
# change (after commit), so a broker outage must cost each request at most this, once.
BROKER_WAIT = 1.0


def outbox_enqueue(*, indicator_ids, relay: bool = True) -> None:
    """Record that these indicators need recomputing; relay to the broker once the change commits
    (unless the caller is the relay itself).

    Call inside the transaction of the change: if it rolls back, so does the request.
    """
    OutboxMessage.objects.bulk_create([OutboxMessage(indicator_id=i) for i in sorted(set(indicator_ids))])
    if relay:
        transaction.on_commit(relay_pending)


def relay_pending() -> int:
    """Hand every pending recompute request to the broker, one task per indicator; return how many.

    When the broker cannot be reached the requests stay pending (with the error noted) for the
    next relay: an outage delays recomputation, it never drops it.
    """
    progress_requeue_if_lost()
    now = timezone.now()
    pending = OutboxMessage.objects.filter(processed_at__isnull=True).filter(
        Q(relayed_at__isnull=True) | Q(relayed_at__lt=now - RESEND_AFTER)
    )
    indicator_ids = sorted(set(pending.values_list("indicator_id", flat=True)))
    # By name; a task registered in this process is applied as itself (run in place when tasks are
    # eager, as in `make run`), any other is sent to the broker.
    task = current_app.signature(RECOMPUTE_TASK)
    sent = 0
    with broker_connection() as broker:
        for indicator_id in indicator_ids:
            try:
                # One attempt, no result subscription (nobody waits for the result; subscribing
                # would retry the result store for 20 s when Redis is down).
                task.apply_async(args=[indicator_id], connection=broker, retry=False, ignore_result=True)
            except Exception as exc:  # the broker is unreachable: keep the requests for the next relay
                left = indicator_ids[sent:]
                logger.warning("outbox relay: broker unavailable (%s); %d indicator(s) left pending", exc, len(left))
                pending.filter(indicator_id__in=left).update(attempts=F("attempts") + 1, last_error=str(exc)[:500])
                break
            pending.filter(indicator_id=indicator_id).update(relayed_at=now)
            sent += 1
    return sent


def broker_connection():
    """A connection of its own to the broker that gives up after BROKER_WAIT, without retrying.

    Its own, so that the worker's and beat's connections keep Celery's patient reconnecting; a
    fresh one per relay also means no stale pooled connection after a broker restart.
    """
    return current_app.connection_for_write(
        connect_timeout=BROKER_WAIT,
        transport_options={
            "max_retries": 0,  # kombu: fail at the first refused connection rather than retry
            "socket_connect_timeout": BROKER_WAIT,  # redis: a host that does not answer at all
            "socket_timeout": BROKER_WAIT,
        },
    )


def outbox_process(*, indicator_id: int) -> dict:
    """Recompute one indicator's snapshots unless a run already includes every pending request;
    return what was done ({"indicator", "rows", "run"}, {"indicator", "coalesced"} or
    {"indicator", "missing"}).

    Idempotent; a burst of requests for one indicator coalesces into one run: a run that started
    after the newest request includes them all.
    """
    pending = OutboxMessage.objects.filter(indicator_id=indicator_id, processed_at__isnull=True)
    newest_request = pending.aggregate(m=Max("created_at"))["m"]
    last_start = ProgressRun.objects.filter(indicator_id=indicator_id).aggregate(m=Max("started_at"))["m"]
    if newest_request is not None and last_start is not None and last_start > newest_request:
        pending.filter(created_at__lt=last_start).update(processed_at=timezone.now())
        return {"indicator": indicator_id, "coalesced": True}
    indicator = Indicator.objects.select_related("plan").filter(pk=indicator_id).first()
    if indicator is None:
        pending.update(processed_at=timezone.now())
        return {"indicator": indicator_id, "missing": True}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # one recompute per indicator at a time
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, indicator_id])
        run = progress_recompute(indicator=indicator, trigger="approval")
        pending.filter(created_at__lt=run.started_at).update(processed_at=timezone.now())
    return {"indicator": indicator_id, "rows": run.rows, "run": run.pk}


def progress_requeue_if_lost() -> bool:
    """Queue every active indicator for recomputation when the snapshots have vanished although
    recomputes ran: the unlogged snapshot table comes back empty after a database crash.
    Returns whether it queued them (not again while they are pending)."""
    if ProgressSnapshot.objects.exists() or not ProgressRun.objects.filter(rows__gt=0).exists():
        return False
    if recompute_pending():
        return False
    outbox_enqueue(indicator_ids=Indicator.objects.filter(active=True).values_list("pk", flat=True), relay=False)
    return True
