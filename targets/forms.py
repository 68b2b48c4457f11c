"""Web forms of the reporter's pages: they parse and render input, the actions judge it.

Every figure field is optional text here on purpose: the rules (what a kind needs, what is a
valid count or date, what a draft may leave out) live in figures.py and the actions, so the web
form, the Excel upload and the API answer with the same messages.
"""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .figures import fields_for
from .models import Indicator, SubmissionVersion

EVIDENCE_ACCEPT = ".pdf,.jpg,.jpeg,.png,.xlsx,.docx"
YES, NO = "true", "false"


def _label(name: str) -> str:
    return capfirst(SubmissionVersion._meta.get_field(name).verbose_name)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Accept several files in one input; return them as a list (empty when none)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        # Type and size are judged by evidence_attach from the content, not here.
        if isinstance(data, (list, tuple)):
            return [d for d in data if d]
        return [data] if data else []


class FiguresForm(forms.Form):
    """The values of one submission, with the inputs its indicator's kind asks for.

    `values()` returns the raw input for submission_save / submission_amend.
    """

    def __init__(self, *args, indicator: Indicator, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        kind = indicator.kind
        if kind == Indicator.Kind.CUMULATIVE:
            self.fields["increment"] = forms.CharField(
                label=_label("increment"), required=False,
                help_text=_("The number added this quarter (a whole number)."),
                widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "data-increment": ""}),
            )
            self.fields["items"] = forms.CharField(
                label=_label("items"), required=False,
                help_text=_("One item per line: name | certificate number."),
                widget=forms.Textarea(attrs={"rows": 6, "data-items": "", "placeholder": "标准装置名称 | 证书编号"}),
            )
        elif kind in (Indicator.Kind.RATIO_YTD, Indicator.Kind.RATIO_LATEST):
            help_text = (
                _("Figures of this quarter.") if kind == Indicator.Kind.RATIO_YTD
                else _("The state at the end of the quarter.")
            )
            self.fields["numerator"] = forms.CharField(
                label=_label("numerator"), required=False, help_text=help_text,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "data-numerator": ""}),
            )
            self.fields["denominator"] = forms.CharField(
                label=_label("denominator"), required=False,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "data-denominator": ""}),
            )
        elif kind == Indicator.Kind.MILESTONE:
            self.fields["done"] = forms.ChoiceField(
                label=_label("done"), required=False, choices=[(YES, _("Yes")), (NO, _("No"))],
                widget=forms.RadioSelect,
            )
            self.fields["completed_on"] = forms.CharField(
                label=_label("completed_on"), required=False,
                help_text=_("A day within the quarter, not in the future."),
                widget=forms.DateInput(attrs={"type": "date"}),
            )
        else:
            self.fields["narrative"] = forms.CharField(
                label=_label("narrative"), required=False, widget=forms.Textarea(attrs={"rows": 6})
            )
            self.fields["self_status"] = forms.ChoiceField(
                label=_label("self_status"), required=False,
                choices=SubmissionVersion.SelfStatus.choices, widget=forms.RadioSelect,
            )
        self.fields["note"] = forms.CharField(label=_label("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
        self.fields["explanation"] = forms.CharField(
            label=_label("explanation"), required=False,
            help_text=_("Needed when the figures are unusual against earlier quarters."),
            widget=forms.Textarea(attrs={"rows": 2}),
        )
        self.fields["evidence"] = MultipleFileField(
            label=_("Evidence files"),
            help_text=_("PDF, JPEG, PNG, XLSX or DOCX, at most 20 MB each."),
        )
        # The version the user started from; absent when the submission does not exist yet.
        self.fields["version"] = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    @property
    def value_fields(self) -> tuple[str, ...]:
        return fields_for(self.indicator)

    def figure_fields(self) -> list[forms.BoundField]:
        """Return the kind's own inputs (not note, explanation, evidence or version)."""
        common = {"note", "explanation"}
        return [self[name] for name in self.value_fields if name not in common]

    def values(self) -> dict:
        """Return the typed input for the action, exactly as typed (the action parses it)."""
        return {name: self.data.get(self.add_prefix(name), "") for name in self.value_fields}

    def evidence_files(self) -> list:
        return self.cleaned_data.get("evidence", []) if hasattr(self, "cleaned_data") else []

    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version") if hasattr(self, "cleaned_data") else None

    def add_action_errors(self, errors: dict[str, list[str]]) -> None:
        """Put an action's messages next to their fields; the others above the form."""
        for name, messages in errors.items():
            target = name if name in self.fields and name != "version" else None
            for message in messages:
                self.add_error(target, message)


class AmendForm(FiguresForm):
    """Amend approved figures: the values again, and why they change."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"] = forms.CharField(
            label=_label("reason"), required=False,
            help_text=_("Required: the reviewer reads it before approving the change."),
            widget=forms.Textarea(attrs={"rows": 2, "required": True}),
        )
        self.order_fields(["reason"])

    def reason(self) -> str:
        return self.data.get(self.add_prefix("reason"), "")


def initial_from(version: SubmissionVersion | None) -> dict:
    """Return form initial values from a stored version (what the user sees before editing)."""
    if version is None:
        return {}
    values = version.values()
    initial = {name: value for name, value in values.items() if name != "items"}
    initial["items"] = "\n".join(
        f"{item.get('name', '')} | {item.get('number', '')}".rstrip(" |") for item in (version.items or [])
    )
    if version.done is not None:
        initial["done"] = YES if version.done else NO
    for name in ("increment", "numerator", "denominator", "completed_on"):
        if initial.get(name) is None:
            initial[name] = ""
    initial["version"] = version.number
    return initial
