"""Judging uploaded files by their content, within limits, before anything parses them.

Used for evidence files and Excel uploads. The name a user gives a file is never trusted: the
type comes from the bytes, and Office files (zip containers) are checked for the parts that make
them what they claim, and for compression bombs, before any XML inside is read.
"""

from __future__ import annotations

import io
import zipfile

import filetype
from django.utils.translation import gettext as _

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
# Limits for zip containers (xlsx, docx): what they may unpack to, and how compressed they may be.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_MEMBERS = 2000

OFFICE_PARTS = {
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}
SIMPLE_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}


# The extension a file of each accepted type is served under (whatever name it was uploaded with).
EXTENSION_OF_TYPE = {
    **{content_type: extension for extension, content_type in SIMPLE_TYPES.items()},
    **{content_type: extension for extension, (_part, content_type) in OFFICE_PARTS.items()},
}
UNKNOWN_TYPE = "application/octet-stream"


def download_name(original_name: str, content_type: str) -> tuple[str, str]:
    """Return (file name, content type) to serve an evidence file under: the name the user gave,
    its extension replaced by the one of the type detected from the content (`content_type`), so
    that "report.bat" holding a PDF is saved as "report.pdf". A type the portal does not accept
    (never stored by evidence_attach) is served as opaque bytes with a ".bin" name."""
    if content_type not in EXTENSION_OF_TYPE:
        content_type = UNKNOWN_TYPE
    extension = EXTENSION_OF_TYPE.get(content_type, "bin")
    # Only the last path component, and no leading dots: the name is a suggestion to the browser.
    base = original_name.replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".")
    stem = base.rsplit(".", 1)[0].strip() if "." in base else base
    return f"{stem or 'evidence'}.{extension}", content_type


class UploadRefused(Exception):
    """The file is refused; the message says why, in the user's language.

    `bomb` marks a container that would unpack to an implausible size: refused whatever it claims.
    """

    def __init__(self, message: str, *, bomb: bool = False):
        super().__init__(message)
        self.bomb = bomb


def check_zip_container(data: bytes, kind: str) -> None:
    """Raise UploadRefused unless `data` is a sane zip holding the main part of `kind`."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UploadRefused(_("The file is damaged or not really a %s file.") % kind.upper())
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise UploadRefused(_("The file has too many parts to be a genuine %s file.") % kind.upper())
        unpacked = sum(m.file_size for m in members)
        packed = max(1, sum(m.compress_size for m in members))
        if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_COMPRESSION_RATIO:
            raise UploadRefused(
                _("The file unpacks to an implausible size (a compression bomb?) and was refused."), bomb=True
            )
        names = {m.filename for m in members}
        if "[Content_Types].xml" not in names or OFFICE_PARTS[kind][0] not in names:
            raise UploadRefused(_("The file is not really a %s file.") % kind.upper())


def detect_evidence_type(data: bytes) -> tuple[str, str]:
    """Return (extension, content type) of an evidence file judged by content, or raise UploadRefused."""
    guess = filetype.guess(data[:8192])
    if guess is not None and guess.extension in SIMPLE_TYPES:
        return guess.extension, SIMPLE_TYPES[guess.extension]
    if data[:4] == b"PK\x03\x04":
        for kind in OFFICE_PARTS:
            try:
                check_zip_container(data, kind)
            except UploadRefused as refusal:
                if refusal.bomb:
                    raise
                continue
            return kind, OFFICE_PARTS[kind][1]
    raise UploadRefused(_("Only PDF, JPEG, PNG, XLSX and DOCX files are accepted (judged by their content)."))
