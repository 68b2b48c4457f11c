"""Exports: recording them in the audit log (who took which data out of the portal, and how much),
and running the ones built in the background, from the request to the published file.

The files themselves are built by targets.exports (and targets.excel for the reporters' template).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from functools import partial
from typing import BinaryIO
from pathlib import Path

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..exports import BRIEFING_KINDS, export_kind
from ..exports.base import ExportRefused, ExportRequest, no_report
from ..models import AuditEntry, Export, Period, Unit, User
from ..numbers import json_exact
from ..permissions import can_access_export, can_request_export
from ..selectors.exports import (
    briefing_automatic_exists,
    export_files_in_use,
    export_pending_count,
    exports_expired,
    exports_stalled,
    period_briefing_due,
)
from .audit import audit_record
from .errors import ActionError
from .outbox import broker_connection

logger = logging.getLogger(__name__)


@transaction.atomic
def audit_export_record(
    *, user: User, entries: QuerySet[AuditEntry], filters: dict[str, str], ip: str | None = None
) -> QuerySet[AuditEntry]:
    """Record an export of the audit log's `entries` (filtered by `filters`); return the entries
    to export, fixed before the record is written so that the file does not include its own entry."""
    last_id = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    entries = entries.filter(id__lte=last_id)
    audit_record(
        action=AuditEntry.Action.EXPORT,
        actor=user,
        ip=ip,
        object_type="auditentry",
        object_repr="audit log (CSV)",
        after={"format": "csv", "filters": filters, "rows": entries.count(), "up_to_entry": last_id},
    )
    return entries


def template_download_record(*, user: User, unit: Unit, period: Period, rows: int, ip: str | None = None) -> None:
    """Record in the audit log that `user` downloaded `unit`'s Excel template for `period`."""
    audit_record(action=AuditEntry.Action.EXPORT, actor=user, ip=ip, obj=unit, after={"period": period.code, "rows": rows})


# --- The pages' tables, downloaded at once --------------------------------------------------------
#
# A page's table (KINDS with `table`: the review queue, the completeness matrix, the units compared,
# an indicator's approved figures, the audit log) is a few hundred to a few thousand rows that the
# page itself reads in the same request: it is built while the person waits and handed over in the
# same response, like the audit log's CSV before it, rather than through a background job, its
# polling and "my exports" (they remain possible: the same builders are in the registry).


@dataclass
class TableFile:
    """A page's table written to a temporary file, recorded in the audit log, ready to hand over."""

    handle: BinaryIO
    filename: str
    content_type: str
    rows: int
    sha256: str
    size: int


def table_export(
    *, user: User, kind: str, filters: dict | None = None, language: str | None = None, ip: str | None = None
) -> TableFile:
    """Build `user`'s file of a page's table (`kind`, e.g. "review_queue_xlsx") with the page's
    `filters` (its query parameters) and record the download in the audit log (kind, filters, rows,
    size, SHA-256); return the file, positioned at its start.

    Refuses (ActionError) an unknown kind (404), one the role may not read (403: the same rule as
    the page, targets.permissions), filters that are not understood and tables with nothing to show
    for them (400, in the user's language). Reporters' tables are about their own unit only.
    """
    registered = export_kind(kind)
    if registered is None or not registered.table or not registered.available:
        raise ActionError(_("There is no export called “%s”.") % str(kind)[:40], status=404)
    unit = user.unit if registered.takes_unit and user.role == User.Role.REPORTER else None
    if not can_request_export(user, kind, unit):
        raise ActionError(_("Your role may not ask for this export."), status=403)
    clean = _filters(filters)
    request = ExportRequest(kind=kind, user=user, language=_language(language), unit=unit, filters=clean)
    handle = tempfile.TemporaryFile()
    try:
        summary = registered.builder(out=handle, request=request, report=no_report) or {}
        size = handle.tell()
        handle.seek(0)
        digest = hashlib.sha256()
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
        handle.seek(0)
        rows = int(summary.get("rows", 0))
        audit_record(
            action=AuditEntry.Action.EXPORT,
            actor=user,
            ip=ip,
            object_type="table",
            object_id=registered.table,
            object_repr=f"{registered.table} ({registered.extension})",
            after={
                "stage": "downloaded", "kind": kind, "filters": clean, "unit": unit.code if unit else None,
                "language": request.language, "rows": rows, "size": size, "sha256": digest.hexdigest(),
            },
        )
    except ExportRefused as refused:
        handle.close()
        raise ActionError(str(refused))
    except BaseException:
        handle.close()
        raise
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    filename = f"{registered.table.replace('_', '-')}-{stamp}.{registered.extension}"
    return TableFile(handle, filename, registered.content_type, rows, digest.hexdigest(), size)


# --- Exports built in the background (targets.exports.KINDS) ---------------------------------------
#
# export_request records what was asked for and hands the job to Celery after commit (by name:
# actions never import tasks/); the job calls export_run, which builds the file beside its final
# place, hashes it and renames it into place only once complete; export_retry queues a failed one
# again; export_download_record logs each download; exports_expire (daily) deletes expired files;
# briefings_request_due (daily) asks for the quarter's briefing once, a few days after it was due.

BUILD_TASK = "tasks.exports.export_build"
EXPORTS_FOLDER = "exports"  # under MEDIA_ROOT
# Who the audit log names for the exports the portal makes by itself.
SYSTEM_ACTOR = "celery beat"
# Exports one person may have queued or running at once (a runaway script must not fill the queue).
MAX_PENDING_PER_USER = 5
MAX_FILTERS, MAX_FILTER_TEXT = 20, 200
# Progress is written to the row at most this often, and only when the whole percentage changes.
PROGRESS_INTERVAL = 0.5  # seconds
# An export still queued or running this long after it was asked for lost its job.
STALLED_AFTER = dt.timedelta(days=1)
# Files under the exports folder that no export offers (a killed job's temporary file, the loser
# of a duplicate run) are deleted once this old.
ORPHAN_AFTER = dt.timedelta(days=1)


def exports_root() -> Path:
    return Path(settings.MEDIA_ROOT) / EXPORTS_FOLDER


def export_path(export: Export) -> Path | None:
    """Return where the finished file of `export` is (None while it has none)."""
    return Path(settings.MEDIA_ROOT) / export.file if export.file else None


def export_filename(export: Export) -> str:
    """Return the name the download is offered under: kind, period, unit and the time it was built."""
    registered = export_kind(export.kind)
    extension = registered.extension if registered else Path(export.file).suffix.lstrip(".")
    built = timezone.localtime(export.finished_at or export.created_at).strftime("%Y%m%d-%H%M%S")
    parts = [export.kind.replace("_", "-"), export.period_code, export.unit_code, built]
    return "-".join(part for part in parts if part) + f".{extension}"


def _language(language: str | None) -> str:
    known = {code for code, _name in settings.LANGUAGES}
    return language if language in known else settings.LANGUAGE_CODE


def _filters(filters: dict | None) -> dict[str, str]:
    filters = filters or {}
    if not isinstance(filters, dict) or len(filters) > MAX_FILTERS:
        raise ActionError(_("The filters are not understood."), field="filters")
    clean = {}
    for key, value in filters.items():
        if not isinstance(key, str) or not isinstance(value, (str, int)) or len(str(value)) > MAX_FILTER_TEXT:
            raise ActionError(_("The filters are not understood."), field="filters")
        clean[key[:50]] = str(value)
    return clean


def _send(export_id) -> None:
    """Hand the build job to Celery; when the broker cannot be reached, say so on the export (the
    person can try again) rather than leave it queued for ever."""
    try:
        # As the outbox relay sends: one attempt on a connection that gives up after a second, no
        # result subscription (the export's row is its result) — never a request waiting on Redis.
        with broker_connection() as broker:
            current_app.signature(BUILD_TASK).apply_async(
                args=[str(export_id)], connection=broker, retry=False, ignore_result=True
            )
    except Exception:
        logger.exception("export %s: the build job could not be queued", export_id)
        export = Export.objects.filter(pk=export_id, status=Export.Status.QUEUED).first()
        if export is not None:
            with translation.override(export.language):
                _fail(export, _("The job queue could not be reached, so the file was not built. Try again in a few minutes."))


def _audit(export: Export, stage: str, *, actor: User | None, ip: str | None = None, **details) -> None:
    audit_record(
        action=AuditEntry.Action.EXPORT,
        actor=actor,
        actor_name="" if actor is not None else SYSTEM_ACTOR,
        ip=ip,
        obj=export,
        after={"stage": stage, "kind": export.kind, **export.params, **details},
    )


@transaction.atomic
def export_request(
    *,
    user: User,
    kind: str,
    period: Period | None = None,
    unit: Unit | None = None,
    language: str | None = None,
    filters: dict | None = None,
    ip: str | None = None,
) -> Export:
    """Record `user`'s request for an export of `kind` and queue its job after commit; return it.

    Reporters' exports are about their own unit whatever they asked; kinds that take no unit ignore
    it. Refuses (ActionError) unknown kinds, kinds the role may not have (403), kinds this version
    cannot build yet, a missing period where one is needed, and more than MAX_PENDING_PER_USER
    unfinished exports.
    """
    registered = export_kind(kind)
    if registered is None:
        raise ActionError(_("There is no export called “%s”.") % str(kind)[:40], field="kind")
    if not registered.takes_unit:
        unit = None
    elif user.role == User.Role.REPORTER:
        unit = user.unit
    if not can_request_export(user, kind, unit):
        raise ActionError(_("Your role may not ask for this export."), status=403)
    if not registered.available:
        raise ActionError(
            _("“%s” cannot be built yet: this version of the portal does not have it.") % registered.label, field="kind"
        )
    if registered.period_required and period is None:
        raise ActionError(_("Choose the period this export is about."), field="period")
    if export_pending_count(user) >= MAX_PENDING_PER_USER:
        raise ActionError(
            _("You already have %d exports waiting to be built; wait until one of them is ready.") % MAX_PENDING_PER_USER
        )
    export = Export.objects.create(
        kind=kind,
        requested_by=user,
        params={
            "period": period.code if period else None,
            "unit": unit.code if unit else None,
            "filters": _filters(filters),
            "language": _language(language),
        },
    )
    _audit(export, "requested", actor=user, ip=ip)
    transaction.on_commit(partial(_send, export.pk))
    return export


def export_retry(*, user: User, export: Export, ip: str | None = None) -> Export:
    """Queue a failed export again, with the same parameters; return it."""
    if not can_access_export(user, export):
        raise ActionError(_("Your role may not ask for this export."), status=403)
    with transaction.atomic():
        retried = Export.objects.filter(pk=export.pk, status=Export.Status.FAILED).update(
            status=Export.Status.QUEUED, progress=0, error="", queued_at=timezone.now(), started_at=None, finished_at=None
        )
        if not retried:
            raise ActionError(_("Only a failed export can be tried again."), status=409)
        export.refresh_from_db()
        _audit(export, "retried", actor=user, ip=ip)
        transaction.on_commit(partial(_send, export.pk))
    return export


def export_download_record(*, user: User, export: Export, ip: str | None = None) -> None:
    """Record in the audit log that `user` downloaded `export`'s file (with its hash)."""
    _audit(export, "downloaded", actor=user, ip=ip, sha256=export.sha256, size=export.size)


# The progress written on a connection of its own (see _ProgressWriter); Export's table, by name.
_PROGRESS_SQL = "UPDATE targets_export SET progress = %s WHERE id = %s AND status = %s"


class _ProgressWriter:
    """The `report` a builder calls: writes the percentage to the export's row, throttled (the page
    polls it every second; a million-row file must not cost a million updates).

    With `own_connection` (the jobs), the percentage is written on a database connection of its
    own, committed at once: a builder may read inside one transaction — the audit workbook reads
    one READ ONLY, REPEATABLE READ snapshot, where an UPDATE is refused, and any transaction would
    hide the bar's moves until its end. A write that cannot be made there (a lock held for more
    than a second) is skipped: the bar is a hint, the file is what counts.
    """

    def __init__(self, export_id, *, own_connection: bool = False):
        self.export_id = export_id
        self.percent = 0
        self.written_at = 0.0
        self.own_connection = own_connection
        self._connection = None

    def __call__(self, fraction: float) -> None:
        # 100 is written with the finished file only: a full bar always means a file to download.
        percent = max(0, min(99, int(fraction * 100)))
        now = time.monotonic()
        if percent <= self.percent or now - self.written_at < PROGRESS_INTERVAL:
            return
        self.percent, self.written_at = percent, now
        if not self.own_connection:
            Export.objects.filter(pk=self.export_id, status=Export.Status.RUNNING).update(progress=percent)
            return
        try:
            if self._connection is None:
                self._connection = connections.create_connection(DEFAULT_DB_ALIAS)
                with self._connection.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '1s'")
            with self._connection.cursor() as cursor:
                cursor.execute(_PROGRESS_SQL, [percent, str(self.export_id), Export.Status.RUNNING])
        except DatabaseError:
            logger.warning("export %s: progress %s%% not written", self.export_id, percent, exc_info=True)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _failure_reason(error: BaseException) -> str:
    """Return why an export failed, in words for the person who asked (details go to the log)."""
    if isinstance(error, ExportRefused):
        return str(error)
    if isinstance(error, SoftTimeLimitExceeded):
        return _("Building the file took longer than allowed. Try a smaller selection, or ask an administrator.")
    if isinstance(error, OSError):
        return _(
            "The server could not write the file to its exports folder. Ask an administrator to check that "
            "folder and the free disk space, then try again."
        )
    return _("The file could not be built because of an unexpected error on the server (it has been logged). "
             "Try again, or tell an administrator.")


def _remove(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(FileNotFoundError, IsADirectoryError, NotADirectoryError):
            path.unlink()


def _fail(export: Export, reason: str) -> None:
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.FAILED, error=reason, file="", size=None, sha256="", finished_at=timezone.now()
    )


def _export_request_of(export: Export) -> ExportRequest:
    period = unit = None
    if export.period_code:
        period = Period.objects.filter(code=export.period_code).first()
        if period is None:
            raise ExportRefused(_("The period %s no longer exists.") % export.period_code)
    if export.unit_code:
        unit = Unit.objects.filter(code=export.unit_code).first()
        if unit is None:
            raise ExportRefused(_("The unit %s no longer exists.") % export.unit_code)
    return ExportRequest(
        kind=export.kind,
        user=export.requested_by,
        language=export.language,
        period=period,
        unit=unit,
        filters=export.params.get("filters") or {},
    )


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _build(export: Export) -> dict:
    """Build the file of a running export and publish it; return what was done.

    The builder writes a temporary file beside the final one (same folder, same file system); the
    file is flushed to disk, hashed, and renamed into place in one step, and only then is the row
    marked done. Each run has its own final name, so that a duplicate run of the same export (a
    job delivered twice) never replaces the file another run hashed. Whatever goes wrong, neither
    the temporary file nor an unpublished final one is left behind.
    """
    registered = export_kind(export.kind)
    if registered is None or not registered.available:
        raise ExportRefused(_("This export cannot be built by this version of the portal."))
    request = _export_request_of(export)
    root = exports_root()
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"{export.pk}-{secrets.token_hex(4)}.{registered.extension}"
    temporary = None
    published = False
    try:
        descriptor, name = tempfile.mkstemp(dir=root, prefix=f".{export.pk}-", suffix=".part")
        temporary = Path(name)
        progress = _ProgressWriter(export.pk, own_connection=True)
        try:
            with os.fdopen(descriptor, "wb") as out:
                summary = registered.builder(out=out, request=request, report=progress) or {}
                out.flush()
                os.fsync(out.fileno())
        finally:
            progress.close()
        size = temporary.stat().st_size
        sha256 = _sha256_of(temporary)
        os.replace(temporary, final)
        temporary = None
        now = timezone.now()
        summary = json_exact(summary)
        with transaction.atomic():
            done = bool(
                Export.objects.filter(pk=export.pk, status=Export.Status.RUNNING).update(
                    status=Export.Status.DONE,
                    progress=100,
                    file=final.relative_to(settings.MEDIA_ROOT).as_posix(),
                    size=size,
                    sha256=sha256,
                    summary=summary,
                    finished_at=now,
                    expires_at=now + dt.timedelta(days=settings.EXPORT_KEEP_DAYS),
                    error="",
                )
            )
            if done:
                export.refresh_from_db()
                _audit(export, "built", actor=export.requested_by, sha256=sha256, size=size, summary=summary)
        published = done  # committed
    finally:
        _remove(temporary)
        if not published:
            _remove(final)
    # Not published: another run of the same export finished first (or the export was given up).
    return {"status": "done" if published else "superseded", "sha256": sha256, "size": size, "summary": summary}


def export_run(*, export_id) -> dict:
    """Build export `export_id` (the job's whole work); return {"status", …}.

    Idempotent: an export already done, failed or expired is left alone; one found running (its
    worker died) is built again. Any error marks the export failed with a reason in words (the
    traceback goes to the log) and leaves no file behind; nothing is raised, so Celery does not
    retry what would fail the same way: the person retries from the page.
    """
    export = Export.objects.select_related("requested_by").filter(pk=export_id).first()
    if export is None:
        return {"status": "missing"}
    claimed = Export.objects.filter(pk=export.pk, status__in=Export.PENDING).update(
        status=Export.Status.RUNNING, started_at=timezone.now(), progress=0, error=""
    )
    if not claimed:
        return {"status": export.status}
    export.refresh_from_db()
    with translation.override(export.language):
        try:
            return _build(export)
        except Exception as error:
            if isinstance(error, ExportRefused):
                logger.info("export %s (%s) refused: %s", export.pk, export.kind, error)
            else:
                logger.exception("export %s (%s) failed", export.pk, export.kind)
            _fail(export, _failure_reason(error))
            return {"status": "failed"}


def exports_expire(*, now: dt.datetime | None = None) -> dict:
    """Delete the files of expired exports, give up exports whose job was lost, and delete files no
    export offers; return how many of each (daily, Celery beat)."""
    now = now or timezone.now()
    expired = 0
    for export in exports_expired(now=now):
        _remove(export_path(export))
        expired += Export.objects.filter(pk=export.pk, status=Export.Status.DONE).update(status=Export.Status.EXPIRED, file="")
    stalled = 0
    for export in exports_stalled(before=now - STALLED_AFTER):
        with translation.override(export.language):
            reason = _("The job building this file was lost before it finished (the server may have restarted). Try again.")
        stalled += Export.objects.filter(pk=export.pk, status__in=Export.PENDING).update(
            status=Export.Status.FAILED, error=reason, finished_at=now
        )
    orphans = 0
    root = exports_root()
    if root.is_dir():
        in_use = export_files_in_use()
        cutoff = (now - ORPHAN_AFTER).timestamp()
        for path in root.iterdir():
            relative = path.relative_to(settings.MEDIA_ROOT).as_posix()
            if path.is_file() and relative not in in_use and path.stat().st_mtime < cutoff:
                _remove(path)
                orphans += 1
    return {"expired": expired, "stalled": stalled, "orphans": orphans}


def briefings_request_due(*, today: dt.date) -> list[Export]:
    """Ask once for the briefings (every briefing kind the portal can build) of the latest period
    whose due date is BRIEFING_AFTER_DUE_DAYS days past; return the exports asked for now.

    The portal itself asks (requested_by empty, "celery beat" in the audit log), in the portal's
    default language; everyone who may ask for a briefing can download these.
    """
    period = period_briefing_due(today=today, after_days=settings.BRIEFING_AFTER_DUE_DAYS)
    if period is None:
        return []
    created = []
    with transaction.atomic():
        Period.objects.select_for_update().filter(pk=period.pk).first()  # one beat run at a time
        for code in BRIEFING_KINDS:
            registered = export_kind(code)
            if registered is None or not registered.available or briefing_automatic_exists(kind=code, period=period):
                continue
            export = Export.objects.create(
                kind=code,
                requested_by=None,
                params={"period": period.code, "unit": None, "filters": {}, "language": settings.LANGUAGE_CODE},
            )
            _audit(export, "requested", actor=None)
            transaction.on_commit(partial(_send, export.pk))
            created.append(export)
    return created
