"""Rendered dashboard bodies, kept until progress is next recomputed.

Everything a dashboard body shows is read from the snapshots and the plan. Snapshots change only
when a recompute runs, and every run adds ProgressRun rows; the plan changes only by loading a
plan file (which stamps Plan.loaded_at and queues a recompute) or through the admin (whose saves
queue a recompute). So the newest run's id and the plan's load time identify the data: a body
cached under them is exactly what rendering again would give, and the first request after a
recompute renders afresh. The timeout only bounds how long unused bodies occupy the cache.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from .models import Plan, ProgressRun

TIMEOUT_SECONDS = 6 * 3600


def snapshot_generation() -> int:
    """Return the id of the newest recompute run (0 before any): it grows with every recompute."""
    return ProgressRun.objects.aggregate(newest=Max("pk"))["newest"] or 0


def cached_body(page: str, plan: Plan, parts: tuple, render: Callable[[], str]) -> SafeString:
    """Return the cached body of `page` for `parts` (e.g. the period shown), rendering it with
    `render` when the data changed since it was cached. The language and today's date are part of
    the key (the wording and what counts as the latest quarter depend on them)."""
    loaded = plan.loaded_at.isoformat() if plan.loaded_at else "-"
    key = ":".join(map(str, (
        "dashboard", page, translation.get_language(), timezone.localdate().isoformat(), plan.pk, loaded,
        snapshot_generation(), *parts,
    )))
    body = cache.get(key)
    if body is None:
        body = render()
        cache.set(key, body, TIMEOUT_SECONDS)
    # Our own template's output, escaped when it was rendered; the cache is the server's own.
    return mark_safe(body)  # nosec B308 B703
