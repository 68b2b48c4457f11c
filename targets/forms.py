"""Web forms of the reporter's pages: they parse and render input, the actions judge it.

Every figure field is optional text here on purpose: the rules (what a kind needs, what is a
valid count or date, what a draft may leave out) live in figures.py and the actions, so the web
form, the Excel upload and the API answer with the same messages.
"""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _

from . import kinds
from .figures import fields_for, items_text
from .identifiers import CERTIFICATE, USCC
from .kinds import ValueField, kind_of
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


def _count_input(value: ValueField) -> forms.Field:
    return forms.CharField(
        label=_label(value.name), required=False, help_text=value.help_text,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", f"data-{value.name}": ""}),
    )


def _items_input(value: ValueField, identifier: str = CERTIFICATE) -> forms.Field:
    # One line per item; figures.items_text / parse_items escape “|” and line breaks inside an item,
    # so that any item (the API takes any text) comes back unchanged from an unchanged form.
    # The second part of a line is the identifier the indicator's items carry (identifiers.py).
    if identifier == USCC:
        first, placeholder = _("One item per line: name | unified social credit code."), "企业名称 | 统一社会信用代码"
    else:
        first, placeholder = value.help_text, "标准装置名称 | 证书编号"
    help_text = format_lazy("{} {}", first, _("Inside a name or number, write \\| for “|” and \\n for a line break."))
    return forms.CharField(
        label=_label(value.name), required=False, help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 6, f"data-{value.name}": "", "placeholder": placeholder}),
    )


def _yes_no_input(value: ValueField) -> forms.Field:
    return forms.ChoiceField(
        label=_label(value.name), required=False, help_text=value.help_text,
        choices=[(YES, _("Yes")), (NO, _("No"))], widget=forms.RadioSelect,
    )


def _date_input(value: ValueField) -> forms.Field:
    return forms.CharField(
        label=_label(value.name), required=False, help_text=value.help_text,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _text_input(value: ValueField) -> forms.Field:
    return forms.CharField(
        label=_label(value.name), required=False, help_text=value.help_text, widget=forms.Textarea(attrs={"rows": 6})
    )


def _self_status_input(value: ValueField) -> forms.Field:
    return forms.ChoiceField(
        label=_label(value.name), required=False, help_text=value.help_text,
        choices=SubmissionVersion.SelfStatus.choices, widget=forms.RadioSelect,
    )


# The widget of each input type of kinds.py (the kinds' help texts go under them).
INPUT_FIELDS = {
    kinds.COUNT: _count_input,
    kinds.ITEMS: _items_input,
    kinds.YES_NO: _yes_no_input,
    kinds.DATE: _date_input,
    kinds.TEXT: _text_input,
    kinds.SELF_STATUS: _self_status_input,
}


class FiguresForm(forms.Form):
    """The values of one submission, with the inputs its indicator's kind asks for.

    `values()` returns the raw input for submission_save / submission_amend.
    """

    def __init__(self, *args, indicator: Indicator, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        for value in kind_of(indicator).fields:
            if value.input == kinds.ITEMS:
                self.fields[value.name] = _items_input(value, indicator.item_identifier)
            else:
                self.fields[value.name] = INPUT_FIELDS[value.input](value)
        self._explain_fields(indicator)
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

    def _explain_fields(self, indicator: Indicator) -> None:
        """Say under each input what it counts, in the indicator's own words from the plan file:
        a ratio's numerator and denominator, how one counted item is written (its placeholder too)."""
        for name, counts in (("numerator", indicator.numerator_counts), ("denominator", indicator.denominator_counts)):
            if name in self.fields and counts:
                self.fields[name].help_text = _("Counts: %(what)s") % {"what": counts}
        if "items" in self.fields and indicator.item_label:  # else the identifier's own (_items_input)
            label = indicator.item_label
            self.fields["items"].widget.attrs["placeholder"] = label
            self.fields["items"].help_text = format_lazy(
                "{} {}",
                _("One item per line: %(label)s.") % {"label": label},
                _("Inside a name or number, write \\| for “|” and \\n for a line break."),
            )

    @property
    def value_fields(self) -> tuple[str, ...]:
        return fields_for(self.indicator)

    def figure_fields(self) -> list[forms.BoundField]:
        """Return the kind's own inputs (not note, explanation, evidence or version)."""
        return [self[value.name] for value in kind_of(self.indicator).fields]

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
    initial["items"] = items_text(version.items)
    if version.done is not None:
        initial["done"] = YES if version.done else NO
    for name, input_type in kinds.INPUTS.items():
        if input_type in (kinds.COUNT, kinds.DATE) and initial.get(name) is None:
            initial[name] = ""
    initial["version"] = version.number
    return initial
