"""Celery jobs. Thin: they take ids, call actions, selectors or render services (never views), and
own their retries."""

from .exports import briefings_build_due, export_build, exports_expire
from .maintenance import plan_summary
from .progress import recompute_all, recompute_indicator, relay_outbox
from .reminders import send_report_reminders

__all__ = [
    "briefings_build_due",
    "export_build",
    "exports_expire",
    "plan_summary",
    "recompute_all",
    "recompute_indicator",
    "relay_outbox",
    "send_report_reminders",
]
