"""The audit log (/audit/) as a file with headers in the reader's language: the page's filters,
newest first, every column of the hash chain. (The page's older "CSV" link, audit_csv.py, keeps its
fixed English column names for scripts that read them.)"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import AuditEntry
from ..selectors.audit import audit_entries_filtered
from .base import ExportRefused, ExportRequest
from .table_files import Table, header, table_builders

CHUNK = 1000
HEADER = (
    gettext_lazy("Entry"), gettext_lazy("Time"), gettext_lazy("User"), gettext_lazy("Address"), gettext_lazy("Action"),
    gettext_lazy("Object type"), gettext_lazy("Object id"), gettext_lazy("Object"), gettext_lazy("Before"),
    gettext_lazy("After"), gettext_lazy("Previous hash"), gettext_lazy("Hash"),
)


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def audit_log_table(request: ExportRequest) -> Table:
    """The entries the page lists for the same filters (refused when the filters are not valid: the
    page then lists nothing and explains next to the fields)."""
    filterset = audit_entries_filtered(request.filters)
    if filterset.is_bound and not filterset.form.is_valid():
        raise ExportRefused(_("The filters are not understood."))
    entries = filterset.qs
    labels = dict(AuditEntry.Action.choices)

    def rows():
        for entry in entries.iterator(chunk_size=CHUNK):
            yield [
                entry.pk, entry.at, entry.actor_name or None, entry.ip, str(labels.get(entry.action, entry.action)),
                entry.object_type or None, entry.object_id or None, entry.object_repr or None,
                _json_text(entry.before), _json_text(entry.after), entry.prev_hash, entry.hash,
            ]

    return Table(_("Audit log"), header(*HEADER), rows(), total=entries.count())


audit_log_csv_build, audit_log_xlsx_build = table_builders(audit_log_table)
