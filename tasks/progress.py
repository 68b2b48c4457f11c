"""Recomputing progress: relay the outbox to the broker, recompute one indicator, recompute all."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

logger = logging.getLogger(__name__)
# A message handed to the broker but still unprocessed this long after is sent again
# (the worker may have died with it; tasks are idempotent).
RESEND_AFTER = dt.timedelta(minutes=10)


def relay_pending() -> int:
    """Hand every pending recompute request to the broker, one task per indicator; return how many.

    When the broker cannot be reached the requests stay pending (with the error noted) for the
    next relay: an outage delays recomputation, it never drops it.
    """
    from targets.actions.progress import progress_requeue_if_lost
    from targets.models import OutboxMessage

    progress_requeue_if_lost()
    now = timezone.now()
    pending = OutboxMessage.objects.filter(processed_at__isnull=True).filter(
        Q(relayed_at__isnull=True) | Q(relayed_at__lt=now - RESEND_AFTER)
    )
    indicator_ids = sorted(set(pending.values_list("indicator_id", flat=True)))
    sent = 0
    for indicator_id in indicator_ids:
        try:
            # Retry once at once: a pooled connection may be stale after a broker restart.
            recompute_indicator.apply_async(args=[indicator_id], retry=True, retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.5})
        except Exception as exc:  # the broker is unreachable: keep the requests for the next relay
            left = indicator_ids[sent:]
            logger.warning("outbox relay: broker unavailable (%s); %d indicator(s) left pending", exc, len(left))
            pending.filter(indicator_id__in=left).update(attempts=F("attempts") + 1, last_error=str(exc)[:500])
            break
        pending.filter(indicator_id=indicator_id).update(relayed_at=now)
        sent += 1
    return sent


@shared_task(name="tasks.progress.relay_outbox", acks_late=True, time_limit=120, soft_time_limit=100)
def relay_outbox() -> int:
    """Periodic safety net: relay what the after-commit relay could not (e.g. during an outage)."""
    return relay_pending()


@shared_task(
    name="tasks.progress.recompute_indicator",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=600,
    soft_time_limit=540,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def recompute_indicator(indicator_id: int) -> dict:
    """Recompute one indicator's snapshots unless a run already includes every pending request.

    Idempotent; a burst of requests for one indicator coalesces into one run.
    """
    from targets.actions.progress import progress_recompute
    from targets.models import Indicator, OutboxMessage, ProgressRun

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
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7330, indicator_id])
        run = progress_recompute(indicator=indicator, trigger="approval")
        pending.filter(created_at__lt=run.started_at).update(processed_at=timezone.now())
    warm_dashboards()
    return {"indicator": indicator_id, "rows": run.rows, "run": run.pk}


@shared_task(name="tasks.progress.recompute_all", acks_late=True, reject_on_worker_lost=True, time_limit=3600, soft_time_limit=3500)
def recompute_all() -> int:
    """Nightly full recompute (beat), also the cure for anything missed."""
    from targets.actions.progress import progress_recompute_all

    runs = progress_recompute_all(trigger="nightly")
    warm_dashboards()
    return len(runs)


def warm_dashboards() -> None:
    """Render the overview for the new snapshots now rather than on its first reader's request. A
    failure here costs only that speed-up: it is logged, never retried with the recompute."""
    from targets.views.dashboards import overview_warm

    try:
        overview_warm()
    except Exception:
        logger.exception("warming the overview after a recompute failed")
