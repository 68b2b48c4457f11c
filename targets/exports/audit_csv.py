"""The audit log as CSV: one row per entry, every column of the hash chain, safe to open in Excel."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import AuditEntry
from .cells import spreadsheet_safe

# The columns, in order, with their headers in the language of the person exporting (the values
# stay as stored: the login, the action's code next to its label, the JSON the hash covers).
CSV_COLUMNS = [
    ("id", _("No.")), ("time", _("Time")), ("user", _("Login")), ("address", _("Address")),
    ("action", _("Action code")), ("action_label", _("Action")), ("object_type", _("Object type")),
    ("object_id", _("Object id")), ("object", _("Object")), ("before", _("Before")), ("after", _("After")),
    ("prev_hash", _("Previous hash")), ("hash", _("Hash")),
]
CSV_KEYS = [key for key, _label in CSV_COLUMNS]


def audit_csv_header() -> list[str]:
    """Return the header row in the active language."""
    return [str(label) for _key, label in CSV_COLUMNS]


def _json_text(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def audit_csv_labels() -> tuple[list[str], dict[str, str]]:
    """Return the header row and the actions' labels, translated in the active language."""
    return audit_csv_header(), {value: str(label) for value, label in AuditEntry.Action.choices}


def audit_csv_rows(entries: QuerySet[AuditEntry], *, labels: tuple[list[str], dict[str, str]] | None = None) -> Iterator[list[str]]:
    """Yield the CSV header and one row per entry, streaming the queryset in chunks. `labels`
    (audit_csv_labels()) fixes the language; by default, the one active when the rows are read."""
    header, action_labels = labels or audit_csv_labels()
    yield header
    for entry in entries.iterator(chunk_size=1000):
        yield [
            str(entry.pk),
            timezone.localtime(entry.at).isoformat(timespec="seconds"),
            spreadsheet_safe(entry.actor_name),
            entry.ip or "",
            entry.action,
            action_labels.get(entry.action, entry.action),
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
    """Yield the CSV text of `entries` piece by piece (for a streaming response). The header is
    translated now, in the request's language, not later when the server reads the stream."""
    return audit_csv_lines(audit_csv_rows(entries, labels=audit_csv_labels()))


def audit_csv_filename() -> str:
    """Return the download's file name, stamped with the local time of the export."""
    return f"audit-log-{timezone.localtime().strftime('%Y%m%d-%H%M%S')}.csv"
