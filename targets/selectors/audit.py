"""Reads of the audit log for auditors: filtering, readable differences, CSV rows, chain check."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import django_filters
from django import forms
from django.apps import apps
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..actions.audit import audit_verify
from ..models import AuditEntry

PAGE_SIZE = 50


def audit_object_types() -> list[tuple[str, str]]:
    """Return the object types present in the log, with readable names (one query)."""
    types = AuditEntry.objects.exclude(object_type="").values_list("object_type", flat=True).distinct()
    choices = []
    for name in sorted(set(types)):
        try:
            label = str(apps.get_model("targets", name)._meta.verbose_name)
        except LookupError:
            label = name
        choices.append((name, label))
    return choices


class AuditEntryFilter(django_filters.FilterSet):
    """The filter form above the audit log; every field narrows the list (AND)."""

    user = django_filters.CharFilter(
        field_name="actor_name", lookup_expr="icontains", label=_("User"),
        help_text=_("Part of the user name."),
    )
    action = django_filters.ChoiceFilter(
        field_name="action", choices=AuditEntry.Action.choices, label=_("Action"), empty_label=_("All actions"),
    )
    object_type = django_filters.ChoiceFilter(
        field_name="object_type", choices=audit_object_types, label=_("Object type"), empty_label=_("All types"),
    )
    object_id = django_filters.CharFilter(field_name="object_id", lookup_expr="exact", label=_("Object id"))
    date_from = django_filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    address = django_filters.CharFilter(
        field_name="ip", lookup_expr="startswith", label=_("Address"),
        help_text=_("The address or its beginning, e.g. 10.2."),
    )

    class Meta:
        model = AuditEntry
        fields: tuple = ()

    def filter_queryset(self, queryset):
        # An entry between two dates must not vanish because the second date was mistyped: when
        # the form is invalid, show nothing and let the messages next to the fields explain.
        if not self.form.is_valid():
            return queryset.none()
        return super().filter_queryset(queryset)

    def active_filters(self) -> dict[str, str]:
        """Return the filters in use, as text (recorded with an export)."""
        if not self.is_bound or not self.form.is_valid():
            return {}
        return {
            name: value.isoformat() if hasattr(value, "isoformat") else str(value)
            for name, value in self.form.cleaned_data.items()
            if value not in (None, "")
        }


def audit_entries_filtered(params) -> AuditEntryFilter:
    """Return the filter bound to `params` (a QueryDict) over the whole log, newest first."""
    return AuditEntryFilter(params or None, queryset=AuditEntry.objects.order_by("-id"))


@dataclass(frozen=True)
class Change:
    key: str
    before: str
    after: str
    added: bool = False  # there was no value before
    removed: bool = False  # there is no value after


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _text(value: Any, limit: int = 200) -> str:
    if _empty(value):
        return "—"
    if isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def audit_changes(before: Any, after: Any) -> list[Change]:
    """Return only what changed between two JSON values: per key for objects, whole otherwise.

    Keys absent or empty on both sides are left out, so a new record lists just the values it has.
    """
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        changes = []
        for key in list(old) + [k for k in new if k not in old]:
            a, b = old.get(key), new.get(key)
            if a != b and not (_empty(a) and _empty(b)):
                changes.append(Change(key=key, before=_text(a), after=_text(b), added=_empty(a), removed=_empty(b)))
        return changes
    if before == after:
        return []
    return [Change(key="", before=_text(before), after=_text(after), added=_empty(before), removed=_empty(after))]


def audit_chain_status() -> AuditEntry | None:
    """Return the first entry that breaks the hash chain, or None when the whole chain verifies."""
    return audit_verify()


CSV_HEADER = [
    "id", "time", "user", "address", "action", "action_label", "object_type", "object_id", "object",
    "before", "after", "prev_hash", "hash",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(value: str) -> str:
    # Spreadsheets run cells that start like a formula; user names come from anyone who types at
    # the login page, so such cells are prefixed with an apostrophe (OWASP "CSV injection").
    return "'" + value if value.startswith(_FORMULA_START) else value


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
            _csv_safe(entry.actor_name),
            entry.ip or "",
            entry.action,
            str(labels.get(entry.action, entry.action)),
            entry.object_type,
            _csv_safe(entry.object_id),
            _csv_safe(entry.object_repr),
            _csv_safe(_json_text(entry.before)),
            _csv_safe(_json_text(entry.after)),
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
