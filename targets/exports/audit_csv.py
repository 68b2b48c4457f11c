"""The audit log as CSV: one row per entry, every column of the hash chain, safe to open in Excel."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from ..models import AuditEntry
from .cells import spreadsheet_safe

CSV_HEADER = [
    "id", "time", "user", "address", "action", "action_label", "object_type", "object_id", "object",
    "before", "after", "prev_hash", "hash",
]


def _json_text(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def audit_csv_rows(entries: QuerySet[AuditEntry]) -> Iterator[list[str]]:
    """Yield the CSV header and one row per entry, streaming the queryset in chunks."""
    yield CSV_HEADER
    labels = dict(AuditEntry.Action.choices)
    for entry in entries.iterator(chunk_size=1000):
        yield [
            str(entry.pk),
            timezone.localtime(entry.at).isoformat(timespec="seconds"),
            spreadsheet_safe(entry.actor_name),
            entry.ip or "",
            entry.action,
            str(labels.get(entry.action, entry.action)),
            entry.object_type,
            spreadsheet_safe(entry.object_id),
            spreadsheet_safe(entry.object_repr),
            spreadsheet_safe(_json_text(entry.before)),
            spreadsheet_safe(_json_text(entry.after)),
            entry.prev_hash,
            entry.hash,
        ]


def audit_csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    """Yield CSV text, a UTF-8 byte-order mark first so that Excel reads the Chinese correctly."""

    class _Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow(row)


def audit_csv_stream(entries: QuerySet[AuditEntry]) -> Iterator[str]:
    """Yield the CSV text of `entries` piece by piece (for a streaming response)."""
    return audit_csv_lines(audit_csv_rows(entries))


def audit_csv_filename() -> str:
    """Return the download's file name, stamped with the local time of the export."""
    return f"audit-log-{timezone.localtime().strftime('%Y%m%d-%H%M%S')}.csv"
