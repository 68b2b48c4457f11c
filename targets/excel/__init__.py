"""The reporters' Excel round trip: build a unit's template, read a filled one, check it, save it.

`template` builds the file, `upload` reads it back; `layout` holds what both must agree on. The
rows are checked and saved by an action, `actions.excel.excel_upload_apply`, through the submission
actions (the same rules as the web form).
"""

from .layout import (
    CREATE,
    EMPTY,
    ERROR,
    FIELD_LABELS,
    KEYS,
    MAX_DATA_ROWS,
    MAX_ITEM_ROWS,
    MAX_UPLOAD_BYTES,
    SUBMIT,
    UNCHANGED,
    UPDATE,
    WRITES,
)
from .template import template_build, template_filename
from .upload import ExcelRefused, upload_digest, upload_read

__all__ = [
    "CREATE", "EMPTY", "ERROR", "FIELD_LABELS", "KEYS", "MAX_DATA_ROWS", "MAX_ITEM_ROWS", "MAX_UPLOAD_BYTES",
    "SUBMIT", "UNCHANGED", "UPDATE", "WRITES",
    "ExcelRefused", "template_build", "template_filename",
    "upload_digest", "upload_read",
]
