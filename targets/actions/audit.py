"""Appending to the hash-chained audit log."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from ..models import AuditEntry

# Any constant: one advisory lock serialises appends so that two writers never chain to the same
# predecessor (SQLite serialises writers by itself).
AUDIT_LOCK_KEY = 7_330_300


def _json_native(value: Any) -> Any:
    # Stored JSON must read back exactly as hashed: Decimals, dates and the like become text.
    return None if value is None else json.loads(json.dumps(value, default=str, ensure_ascii=False))


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
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK_KEY])
        last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
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
            before=_json_native(before),
            after=_json_native(after),
            prev_hash=last or AuditEntry.GENESIS,
        )
        entry.hash = entry.compute_hash()
        entry.save()
        return entry


def audit_verify() -> AuditEntry | None:
    """Return the first entry whose chain link or content does not verify, or None when all do."""
    previous = AuditEntry.GENESIS
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != previous or entry.compute_hash() != entry.hash:
            return entry
        previous = entry.hash
    return None
