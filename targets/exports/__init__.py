"""Exports: the files the portal hands out (CSV, XLSX, PDF, Word), one module per export, and the
registry of the kinds a user can ask for in the background.

Builders here are fed by selectors (and charts) and write one file to the stream they are given
(see base.py); they never write to the database. Recording, running and publishing an export is
done by targets.actions.exports; the job in tasks/exports.py only calls it.

The registry (`KINDS`) maps each kind to what the rest of the portal needs to know about it: its
label, its builder (a dotted path, imported when first used, so that a kind can be registered
before its builder is written: such a kind is refused with a message until the module exists), the
file's extension and content type, who may ask for it (targets.permissions.can_request_export
decides with these roles) and which parameters it takes.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cached_property

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ..models.users import User
from .base import Builder

Role = User.Role
EVERYONE = frozenset(Role.values)
CITY_READERS = frozenset({Role.LEADER, Role.REVIEWER, Role.AUDITOR, Role.ADMIN})
QUEUE_READERS = frozenset({Role.REVIEWER, Role.AUDITOR, Role.ADMIN})
AUDIT_LOG_READERS = frozenset({Role.AUDITOR})  # the audit page's own rule (permissions.can_read_audit_log)
BRIEFING_READERS = frozenset({Role.LEADER, Role.AUDITOR, Role.ADMIN})
AUDITORS = frozenset({Role.AUDITOR, Role.ADMIN})

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class ExportKind:
    """One kind of export: what it is called, what builds it, what comes out, who may ask for it."""

    code: str
    label: Promise
    builder_path: str  # "module:function"
    extension: str
    content_type: str
    roles: frozenset[str]
    # Parameters: a period is needed (briefings), or optional (none = every period); a unit is
    # taken (a unit's table) or ignored. Reporters' unit is always their own (permissions).
    period_required: bool = False
    takes_unit: bool = False
    # A page's table (review_queue, completeness, …): downloaded from its page with the page's
    # filters (targets.views.exports.table_download), not offered on "my exports"' form.
    table: str = ""

    @cached_property
    def builder(self) -> Builder | None:
        """Return the builder function, or None while its module is not written yet.

        Only the module's own absence counts as "not yet": an import error inside a module that
        exists is a bug and is raised.
        """
        module_name, _, function_name = self.builder_path.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as missing:
            if missing.name == module_name:
                return None
            raise
        return getattr(module, function_name, None)

    @property
    def available(self) -> bool:
        return self.builder is not None


def _kinds(*kinds: ExportKind) -> dict[str, ExportKind]:
    return {kind.code: kind for kind in kinds}


KINDS: dict[str, ExportKind] = _kinds(
    ExportKind(
        "progress_csv",
        _("Progress table (CSV)"),
        "targets.exports.progress_table:progress_csv_build",
        "csv",
        CSV,
        EVERYONE,
        takes_unit=True,
    ),
    ExportKind(
        "progress_xlsx",
        _("Progress table (Excel)"),
        "targets.exports.progress_table:progress_xlsx_build",
        "xlsx",
        XLSX,
        EVERYONE,
        takes_unit=True,
    ),
    ExportKind(
        "audit_workbook",
        _("Audit workbook (Excel, with hashes)"),
        "targets.exports.audit_workbook:audit_workbook_build",
        "xlsx",
        XLSX,
        AUDITORS,
    ),
    ExportKind(
        "briefing_pdf",
        _("Quarterly briefing (PDF)"),
        "targets.exports.briefing_pdf:briefing_pdf_build",
        "pdf",
        PDF,
        BRIEFING_READERS,
        period_required=True,
    ),
    ExportKind(
        "briefing_docx",
        _("Quarterly briefing (Word)"),
        "targets.exports.briefing_docx:briefing_docx_build",
        "docx",
        DOCX,
        BRIEFING_READERS,
        period_required=True,
    ),
)



def _table_kinds(table: str, label, module: str, roles: frozenset[str], *, takes_unit: bool = False) -> list[ExportKind]:
    """Return the CSV and XLSX kinds of a page's table, built by `module`'s <table>_csv_build and
    <table>_xlsx_build (targets.exports.table_files.table_builders)."""
    return [
        ExportKind(f"{table}_csv", label, f"targets.exports.{module}:{table}_csv_build", "csv", CSV, roles,
                   takes_unit=takes_unit, table=table),
        ExportKind(f"{table}_xlsx", label, f"targets.exports.{module}:{table}_xlsx_build", "xlsx", XLSX, roles,
                   takes_unit=takes_unit, table=table),
    ]


# Every page's table, as its page lets it be read: the review queue (reviewers; auditors and
# administrators read every submission too), the completeness matrix and the units compared (the
# city-wide views), an indicator's approved figures (reporters: their own unit's only), the audit
# log (auditors).
KINDS.update(_kinds(
    *_table_kinds("review_queue", _("Review queue"), "review_queue", QUEUE_READERS),
    *_table_kinds("completeness", _("Reporting completeness"), "completeness_matrix", CITY_READERS),
    *_table_kinds("units_compared", _("Units compared"), "units_compared", CITY_READERS),
    *_table_kinds("indicator_figures", _("Approved figures"), "indicator_figures", EVERYONE, takes_unit=True),
    *_table_kinds("audit_log", _("Audit log"), "audit_log", AUDIT_LOG_READERS),
))
TABLES = {kind.table for kind in KINDS.values() if kind.table}

# For the API's schema (SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]) and its request field.
KIND_CHOICES = [(code, code) for code in sorted(KINDS)]

# The kinds the portal builds by itself after each quarter's due date (tasks.exports.briefings_build_due).
BRIEFING_KINDS = ("briefing_pdf", "briefing_docx")


def export_kind(code: str) -> ExportKind | None:
    """Return the registered kind `code`, or None."""
    return KINDS.get(code)


def export_label(code: str) -> str:
    """Return a kind's label in the active language (the code itself for an unknown kind)."""
    kind = KINDS.get(code)
    return str(kind.label) if kind else code
