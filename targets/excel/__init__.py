"""The reporters' Excel round trip: build a unit's template, read a filled one, check it, save it.

`template` builds the file, `upload` reads it back and runs its rows through the actions (the
same rules as the web form); `layout` holds what both must agree on.
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
from .template import template_build, template_downloaded, template_filename
from .upload import ExcelRefused, Outcome, upload_apply, upload_digest, upload_read

__all__ = [
    "CREATE", "EMPTY", "ERROR", "FIELD_LABELS", "KEYS", "MAX_DATA_ROWS", "MAX_ITEM_ROWS", "MAX_UPLOAD_BYTES",
    "SUBMIT", "UNCHANGED", "UPDATE", "WRITES",
    "ExcelRefused", "Outcome", "template_build", "template_downloaded", "template_filename",
    "upload_apply", "upload_digest", "upload_read",
]
