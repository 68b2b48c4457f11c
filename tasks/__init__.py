"""Celery jobs. Thin: they take ids, call actions or selectors, and own their retries."""

from .maintenance import plan_summary
from .progress import recompute_all, recompute_indicator, relay_outbox
from .reminders import send_report_reminders

__all__ = ["plan_summary", "recompute_all", "recompute_indicator", "relay_outbox", "send_report_reminders"]
