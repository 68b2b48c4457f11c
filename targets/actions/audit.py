"""Appending to the hash-chained audit log."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from ..models import AuditEntry
from ..numbers import json_exact

# Any constant: one advisory lock serialises appends so that two writers never chain to the same
# predecessor (SQLite serialises writers by itself).
AUDIT_LOCK_KEY = 7_330_300


def audit_record(
    *,
    action: str,
    actor=None,
    actor_name: str = "",
    ip: str | None = None,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """Append an audit entry chained to the last one; call inside the transaction of the change."""
    with transaction.atomic():
        last = _chain_head_locked()
        if obj is not None:
            object_type = object_type or obj._meta.model_name
            object_id = object_id or str(obj.pk)
            object_repr = object_repr or str(obj)[:200]
        entry = AuditEntry(
            at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_name=actor_name or (getattr(actor, "username", "") or ""),
            ip=ip or None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr,
            before=json_exact(before),  # stored JSON must read back exactly as hashed
            after=json_exact(after),
            prev_hash=last,
        )
        entry.hash = entry.compute_hash()
        entry.save()
        return entry


def _chain_head_locked() -> str:
    """Take the append lock (until the transaction ends) and return the last entry's hash."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK_KEY])
    return AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first() or AuditEntry.GENESIS


def audit_record_many(entries: list[AuditEntry]) -> int:
    """Append unsaved entries (their `at`, actor, action, object and values set) in their order,
    chained as audit_record chains one, in one insert; for bulk work such as the demo's figures."""
    with transaction.atomic():
        last = _chain_head_locked()
        for entry in entries:
            entry.before, entry.after = json_exact(entry.before), json_exact(entry.after)
            entry.prev_hash = last
            entry.hash = last = entry.compute_hash()
        AuditEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)
