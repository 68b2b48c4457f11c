"""Exports built in the background: one export's file, the daily clean-up of expired files, and the
quarterly briefing asked for automatically after each due date.

Thin jobs: everything lives in targets.actions.exports. The names are explicit because the
actions send the build job by name and CELERY_BEAT_SCHEDULE refers to the other two.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

# A build longer than this is stopped; the soft limit lets export_run mark the export failed
# with a reason and remove its temporary file first.
BUILD_TIME_LIMIT = 30 * 60


@shared_task(
    name="tasks.exports.export_build",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=BUILD_TIME_LIMIT,
    soft_time_limit=BUILD_TIME_LIMIT - 60,
)
def export_build(export_id: str) -> dict:
    """Build one export's file (idempotent: a finished or failed export is left alone)."""
    from targets.actions.exports import export_run

    return export_run(export_id=export_id)


@shared_task(name="tasks.exports.exports_expire", acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def exports_expire() -> dict:
    """Delete expired exports' files, give up exports whose job was lost (daily, beat)."""
    from targets.actions.exports import exports_expire as expire

    return expire()


@shared_task(name="tasks.exports.briefings_build_due", acks_late=True, reject_on_worker_lost=True, time_limit=300, soft_time_limit=270)
def briefings_build_due() -> list[str]:
    """Ask once for the briefings of the quarter whose due date passed BRIEFING_AFTER_DUE_DAYS ago."""
    from targets.actions.exports import briefings_request_due

    return [str(export.pk) for export in briefings_request_due(today=timezone.localdate())]
