"""Daily reminder emails about missing quarterly reports (scheduled by celery beat at 08:00)."""

from celery import shared_task
from django.utils import timezone


# The name is explicit because CELERY_BEAT_SCHEDULE refers to it: renaming the module must not
# silently stop the reminders.
@shared_task(
    name="tasks.reminders.send_report_reminders",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=10 * 60,
    soft_time_limit=9 * 60,
)
def send_report_reminders() -> int:
    """Send today's reminders (5 days before an open period's due date, and the day after); return how many."""
    from targets.actions.reminders import reminders_send

    return reminders_send(today=timezone.localdate())
