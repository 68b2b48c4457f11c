"""Reads of the audit log for auditors: filtering, readable differences, the chain check.

The CSV export of the log is built in targets.exports.audit_csv."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import django_filters
from django import forms
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.utils.translation import pgettext
from django.utils.translation import gettext_lazy as _

from ..exports import export_label
from ..models import AuditEntry, SubmissionVersion, User

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
        method="filter_user", label=_("User"),
        help_text=_("Part of the login or of the person's name."),
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

    def filter_user(self, queryset, name, value):
        return queryset.filter(Q(actor_name__icontains=value) | Q(actor__display_name__icontains=value))

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
    label: str = ""  # the key in words, in the user's language


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


# What the keys of the entries' before/after values mean (the actions write them: submissions,
# users, evidence, uploads, exports, periods, the plan, the admin's configuration).
KEY_LABELS = {
    "version": _("version"), "reason": _("reason"), "role": _("role"), "unit": _("unit"),
    "display_name": _("display name"), "password_set": _("password set"), "password_changed": _("password changed"),
    "password_disabled": _("password logins disabled"), "password": _("password"),
    "rotated": _("replaces the earlier token"), "evidence": _("evidence file"), "sha256": _("SHA-256 checksum"),
    "file_sha256": _("SHA-256 checksum of the file"), "size": _("size (bytes)"), "type": _("file type"),
    "period": _("period"), "rows": _("rows"), "submitted": _("submitted for review"), "format": _("format"),
    "filters": _("filters"), "up_to_entry": _("up to entry no."), "stage": _("stage"), "kind": _("kind"),
    "language": _("language"), "summary": _("summary"), "is_open": _("open for reporting"), "file": _("file"),
    "created": _("created"), "updated": _("updated"), "retired": _("retired"), "deleted": _("deleted"),
    "fields": _("fields changed"), "targets": _("targets"), "year": _("year"), "value": _("value"), "mode": _("mode"),
    "user": _("user"), "action": _("action"), "object_type": _("object type"), "object_id": _("object id"),
    "date_from": _("from"), "date_to": _("to"), "address": _("address"),
}
EXPORT_STAGES = {
    "requested": _("requested"), "retried": _("asked again"), "built": _("built"), "downloaded": _("downloaded"),
    "failed": _("failed"), "expired": _("expired"),
}


def _model_label(object_type: str, key: str) -> str | None:
    """Return the verbose name of field `key` of the model named `object_type`, or None."""
    for model_name in (object_type, "submissionversion"):
        if not model_name:
            continue
        try:
            return str(apps.get_model("targets", model_name)._meta.get_field(key).verbose_name)
        except (LookupError, FieldDoesNotExist):
            continue
    return None


def audit_key_label(key: str, object_type: str = "") -> str:
    """Return a key of an entry's values in words: the portal's label, or the field's verbose name."""
    if key in KEY_LABELS:
        return str(KEY_LABELS[key])
    return _model_label(object_type, key) or key


def _words(key: str, value: Any, object_type: str) -> str:
    """Return a stored value in words: yes/no, roles, statuses, stages and kinds by their labels."""
    if _empty(value):
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if key == "role" and value in User.Role.values:
        return str(User.Role(value).label)
    if key == "self_status" and value in SubmissionVersion.SelfStatus.values:
        return str(SubmissionVersion.SelfStatus(value).label)
    if key == "stage" and value in EXPORT_STAGES:
        return str(EXPORT_STAGES[value])
    if key == "kind" and object_type == "export":
        return str(export_label(value))
    if key == "action" and value in AuditEntry.Action.values:
        return str(AuditEntry.Action(value).label)
    if key == "fields" and isinstance(value, list):
        return _join([audit_key_label(str(name), object_type) for name in value])
    if key == "items" and isinstance(value, list):
        return _join([" ".join(str(v) for v in (item.get("name"), item.get("number")) if v) for item in value if isinstance(item, dict)])
    if isinstance(value, list):
        return _join([_words(key, item, object_type) for item in value])
    if isinstance(value, dict):
        return _join([f"{audit_key_label(str(k), object_type)}{label_separator()}{_words(str(k), v, object_type)}" for k, v in value.items()])
    return _text(value)


def label_separator() -> str:
    """Return what stands between a label and its value: "：" in Chinese, ": " in English."""
    return pgettext("between a label and its value", ": ")


def _join(parts: list[str]) -> str:
    """Join with the list separator of the active language (、 in Chinese, a comma in English)."""
    return _text(pgettext("list separator", ", ").join(parts)) if parts else "—"


def _flatten(values: Any) -> Any:
    """Return an entry's value with the admin's {"values": {...}} lifted to the top level, so that
    each field changed is one labelled line."""
    if isinstance(values, dict) and isinstance(values.get("values"), dict):
        rest = {k: v for k, v in values.items() if k != "values"}
        return {**values["values"], **rest}
    return values


def audit_changes(before: Any, after: Any, object_type: str = "") -> list[Change]:
    """Return only what changed between two JSON values: per key for objects, whole otherwise,
    each key labelled and each value in words in the active language.

    Keys absent or empty on both sides are left out, so a new record lists just the values it has.
    """
    before, after = _flatten(before), _flatten(after)
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        changes = []
        for key in list(old) + [k for k in new if k not in old]:
            a, b = old.get(key), new.get(key)
            if a != b and not (_empty(a) and _empty(b)):
                changes.append(Change(
                    key=key, label=audit_key_label(key, object_type),
                    before=_words(key, a, object_type), after=_words(key, b, object_type),
                    added=_empty(a), removed=_empty(b),
                ))
        return changes
    if before == after:
        return []
    return [Change(key="", before=_words("", before, object_type), after=_words("", after, object_type), added=_empty(before), removed=_empty(after))]


def audit_verify() -> AuditEntry | None:
    """Return the first entry whose chain link or content does not verify, or None when all do."""
    previous = AuditEntry.GENESIS
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != previous or entry.compute_hash() != entry.hash:
            return entry
        previous = entry.hash
    return None
