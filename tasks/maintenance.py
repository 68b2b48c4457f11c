"""Housekeeping jobs."""

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=60, soft_time_limit=50)
def plan_summary(plan_code: str) -> dict:
    """Return how many areas, measures, indicators and targets the stored plan has.

    Used by the health check of the worker: it proves the worker reaches the broker and the
    database with the portal's settings.
    """
    from targets.selectors.plan import plan_counts

    return plan_counts(plan_code)
