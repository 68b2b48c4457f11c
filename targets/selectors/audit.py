"""Reads of the audit log for auditors: filtering, readable differences, the chain check.

The CSV export of the log is built in targets.exports.audit_csv."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import django_filters
from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _

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


def audit_verify() -> AuditEntry | None:
    """Return the first entry whose chain link or content does not verify, or None when all do."""
    previous = AuditEntry.GENESIS
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != previous or entry.compute_hash() != entry.hash:
            return entry
        previous = entry.hash
    return None
