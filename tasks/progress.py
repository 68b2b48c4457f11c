"""Recomputing progress: relay the outbox to the broker, recompute one indicator, recompute all.

Thin jobs: the outbox, its coalescing and its lock live in targets.actions.outbox; rendering the
dashboards ahead lives in targets.rendering.
"""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="tasks.progress.relay_outbox", acks_late=True, time_limit=120, soft_time_limit=100)
def relay_outbox() -> int:
    """Periodic safety net: relay what the after-commit relay could not (e.g. during an outage)."""
    from targets.actions.outbox import relay_pending

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

    Idempotent; a burst of requests for one indicator coalesces into one run. The overview is
    rendered ahead by the last run of a burst over several indicators (no request left pending):
    each earlier run's rendering would be out of date at once.
    """
    from targets.actions.outbox import outbox_process
    from targets.selectors.progress import recompute_pending

    result = outbox_process(indicator_id=indicator_id)
    if "rows" in result and not recompute_pending():
        warm_dashboards()
    return result


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
    from targets.rendering import overview_warm

    try:
        overview_warm()
    except Exception:
        logger.exception("warming the overview after a recompute failed")
