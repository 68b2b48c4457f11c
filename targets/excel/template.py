"""Building a unit's Excel template for a period, pre-filled with the current figures."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
from django.utils import timezone
from django.utils.translation import gettext as _

from ..kinds import KINDS, covers_instruction
from ..models import Period, SubmissionVersion, Unit
from ..selectors.reporting import SlotRow
from .layout import (
    COLUMNS,
    FORMAT,
    ITEM_COLUMNS,
    KEYS,
    MAX_ITEM_ROWS,
    META_SHEET,
    PORTAL_COLUMNS,
    WIDTHS,
    lists_items,
    used_columns,
    write_cell,
    yes_no,
)

GREY = openpyxl.styles.PatternFill("solid", start_color="D9D9D9", end_color="D9D9D9")
HEADER_FILL = openpyxl.styles.PatternFill("solid", start_color="DCE6F1", end_color="DCE6F1")
BOLD = openpyxl.styles.Font(bold=True)
WRAP = openpyxl.styles.Alignment(wrap_text=True, vertical="top")
TOP = openpyxl.styles.Alignment(vertical="top")
UNLOCKED = openpyxl.styles.Protection(locked=False)


def template_filename(unit: Unit, period: Period) -> str:
    return f"温州计量_{unit.code}_{period.code}.xlsx"


def _sheet_titles() -> tuple[str, str, str]:
    # Excel allows 31 characters and none of []:*?/\ in sheet names.
    clean = str.maketrans({c: " " for c in "[]:*?/\\"})
    return tuple(t.translate(clean)[:31] for t in (_("Instructions"), _("Data"), _("Items")))


def _cell_value(key: str, slot: SlotRow):
    """Return what the template shows in column `key` for a slot (current values pre-filled)."""
    indicator, submission = slot.indicator, slot.submission
    version = submission.current if submission is not None else None
    if key == "code":
        return indicator.code
    if key == "name":
        return indicator.name
    if key == "kind":
        return indicator.get_kind_display()
    if key == "unit":
        return indicator.unit_of_measure
    if key == "status":
        return submission.get_status_display() if submission else _("Not started")
    if key == "version":
        return version.number if version else None
    if version is None or key not in used_columns(indicator):
        return None
    value = getattr(version, key)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if key == "done":
        return None if value is None else yes_no()[0 if value else 1]
    if key == "self_status":
        return version.get_self_status_display() if value else None
    return None if value == "" else value


def _definition_lines(indicators) -> list[tuple[str, bool]]:
    """Return each indicator's definition lines: what one report covers, its 口径, what its numerator
    and denominator count, how an item is written (the plan file's words; kinds.covers_instruction)."""
    lines: list[tuple[str, bool]] = [("", False), (_("What each indicator counts"), True)]
    for indicator in indicators:
        lines.append((f"{indicator.code} {indicator.name}: {covers_instruction(indicator)}", False))
        for label, text in (
            (_("Definition"), indicator.definition),
            (_("Numerator"), indicator.numerator_counts),
            (_("Denominator"), indicator.denominator_counts),
            (_("One item per line"), indicator.item_label),
        ):
            if text:
                lines.append((f"    {label}: {text}", False))
    return lines


def _instructions(
    unit: Unit, period: Period, kinds: set[str], titles: tuple[str, str, str], indicators=()
) -> list[tuple[str, bool]]:
    """Return the instruction lines (text, is_heading) for the unit's template."""
    _help, data, items = titles
    yes, no = yes_no()
    lines = [
        (_("Quarterly figures of %(unit)s for %(period)s") % {"unit": unit.name, "period": period.code}, True),
        (_("Period: %(start)s – %(end)s. Due date: %(due)s.") % {"start": period.start, "end": period.end, "due": period.due}, False),
        ("", False),
        (_("How to fill in this file"), True),
        (_("Fill in the sheet “%s”: one row per indicator your unit reports.") % data, False),
        (_("Do not change the grey columns (code, indicator, kind, unit of measure, status, version) and do not add or delete rows: the version tells the portal which figures you started from."), False),
        (_("Enter plain numbers without units; each row shows the indicator's unit of measure."), False),
        (_("Leave a row empty to skip it. Grey cells are not used by that kind of indicator."), False),
        ("", False),
        (_("What to fill per kind of indicator"), True),
    ]
    # Each kind's line, in the registry's order; the texts take the items sheet's name and the words for yes and no.
    words = {"items": items, "yes": yes, "no": no}
    lines += [("• " + entry.excel_help % words, False) for value, entry in KINDS.items() if value in kinds]
    lines += [
        ("• " + _("Note: optional. Explanation: needed when figures are unusual (an increment above 3× the unit's largest earlier quarter, or a denominator moving more than 50%)."), False),
        *_definition_lines(indicators),
        ("", False),
        (_("Uploading"), True),
        (_("Upload the filled file on the portal (Report → Excel). You will see a row-by-row check before anything is saved; nothing is saved until you confirm, and then all rows are saved or none."), False),
        (_("Approved figures cannot be changed through Excel: amend them in the form, with a reason."), False),
    ]
    return lines


def template_build(*, unit: Unit, period: Period, slots: list[SlotRow]) -> bytes:
    """Return the .xlsx template of `unit` for `period`, pre-filled with the current values."""
    titles = _sheet_titles()
    workbook = openpyxl.Workbook()
    help_sheet = workbook.active
    help_sheet.title = titles[0]
    help_sheet.column_dimensions["A"].width = 120
    kinds = {slot.indicator.kind for slot in slots}
    indicators = [slot.indicator for slot in slots]
    for r, (text, heading) in enumerate(_instructions(unit, period, kinds, titles, indicators), start=1):
        cell = write_cell(help_sheet, r, 1, text or None)
        cell.alignment = WRAP
        if heading:
            cell.font = openpyxl.styles.Font(bold=True, size=13 if r == 1 else 11)

    sheet = workbook.create_sheet(titles[1])
    _data_sheet(sheet, period, slots)

    items_sheet = workbook.create_sheet(titles[2])
    for c, (_key, label, width) in enumerate(ITEM_COLUMNS, start=1):
        cell = write_cell(items_sheet, 1, c, str(label))
        cell.font, cell.fill = BOLD, HEADER_FILL
        items_sheet.column_dimensions[openpyxl.utils.get_column_letter(c)].width = width
    items_sheet.freeze_panes = "A2"
    r = 2
    for slot in slots:
        if not lists_items(slot.indicator) or slot.submission is None:
            continue
        for item in slot.submission.current.items or []:
            # Written cell by cell, as text: an item named “=HYPERLINK(…)” must stay a name.
            for c, value in enumerate((slot.indicator.code, item.get("name", ""), item.get("number", "")), start=1):
                write_cell(items_sheet, r, c, value)
            r += 1
    cumulative = [s.indicator.code for s in slots if lists_items(s.indicator)]
    if cumulative and len(",".join(cumulative)) < 250:
        codes = openpyxl.worksheet.datavalidation.DataValidation(
            type="list", formula1='"%s"' % ",".join(cumulative), allow_blank=True, showErrorMessage=True,
            errorTitle=_("Code"), error=_("Choose the code of a cumulative indicator of your unit."),
        )
        items_sheet.add_data_validation(codes)
        codes.add(f"A2:A{MAX_ITEM_ROWS + 1}")

    meta = workbook.create_sheet(META_SHEET)
    meta.sheet_state = "hidden"
    for r, row in enumerate((
        ("format", FORMAT), ("unit", unit.code), ("period", period.code), ("data_sheet", titles[1]),
        ("items_sheet", titles[2]), ("generated_at", timezone.localtime().isoformat(timespec="seconds")),
    ), start=1):
        for c, value in enumerate(row, start=1):
            write_cell(meta, r, c, value)

    workbook.active = 1
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _data_sheet(sheet, period: Period, slots: list[SlotRow]) -> None:
    letter = {key: openpyxl.utils.get_column_letter(i) for i, key in enumerate(KEYS, start=1)}
    for c, (key, label) in enumerate(COLUMNS, start=1):
        cell = write_cell(sheet, 1, c, str(label))
        cell.font, cell.alignment = BOLD, WRAP
        cell.fill = GREY if key in PORTAL_COLUMNS else HEADER_FILL
        sheet.column_dimensions[letter[key]].width = WIDTHS[key]
    for r, slot in enumerate(slots, start=2):
        used = used_columns(slot.indicator)
        for c, key in enumerate(KEYS, start=1):
            cell = write_cell(sheet, r, c, _cell_value(key, slot))
            cell.alignment = WRAP if key in ("name", "narrative", "note", "explanation") else TOP
            if key in used:
                cell.protection = UNLOCKED
            else:
                cell.fill = GREY
            if key == "completed_on":
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "C2"
    last = max(2, len(slots) + 1)
    yes, no = yes_no()

    def validation(key: str, **kwargs) -> None:
        rule = openpyxl.worksheet.datavalidation.DataValidation(
            allow_blank=True, showErrorMessage=True, errorTitle=str(dict(COLUMNS)[key]), **kwargs
        )
        sheet.add_data_validation(rule)
        rule.add(f"{letter[key]}2:{letter[key]}{last}")

    for key in ("increment", "numerator", "denominator"):
        validation(key, type="whole", operator="greaterThanOrEqual", formula1="0", error=_("Enter a whole number, 0 or more."))
    validation("done", type="list", formula1=f'"{yes},{no}"', error=_("Choose %(yes)s or %(no)s.") % {"yes": yes, "no": no})
    statuses = ",".join(str(label) for _value, label in SubmissionVersion.SelfStatus.choices)
    validation("self_status", type="list", formula1=f'"{statuses}"', error=_("Choose on track, at risk or off track."))
    start, end = period.start, period.end
    validation(
        "completed_on", type="date", operator="between",
        formula1=f"DATE({start.year},{start.month},{start.day})", formula2=f"DATE({end.year},{end.month},{end.day})",
        error=_("The completion date must lie within %(period)s (%(start)s – %(end)s).") % {"period": period.code, "start": start, "end": end},
    )
    # Locked cells keep the portal's columns intact; the server checks everything anyway.
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
