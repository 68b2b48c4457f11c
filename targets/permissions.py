"""Who may see and do what, in one place; views and the API ask here (enforced on the server).

| role     | plan | own unit's figures | all figures            | review | audit log | configure |
|----------|------|--------------------|------------------------|--------|-----------|-----------|
| reporter | read | read, enter, amend | —                      | —      | —         | —         |
| reviewer | read | —                  | read all               | yes    | —         | —         |
| leader   | read | —                  | read approved only     | —      | —         | —         |
| auditor  | read | —                  | read all, with history | —      | read      | —         |
| admin    | read | —                  | read all               | —      | —         | yes       |

Evidence files follow the version they were attached at: whoever reads a submission reads its
files, except that leaders get only those attached at or before the approved version.

Exports (targets.exports.KINDS names who may ask for each kind): auditors and administrators
everything; leaders the briefings and progress tables; reviewers the progress tables; reporters
their own unit's progress table only. A file is fetched by whoever asked for it, and by auditors
and administrators; the portal's own exports (the quarterly briefing, requested by nobody) by
everyone who may ask for that kind.
"""

from __future__ import annotations

from functools import wraps

import uuid

from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet
from django.http import Http404

from .exports import KINDS, export_kind
from .ids import parse_id
from .models import Evidence, Export, Submission, Unit, User

READ_ALL_FIGURES = (User.Role.REVIEWER, User.Role.AUDITOR, User.Role.ADMIN)
# Who reads the city-wide views (dashboards, completeness): everyone but reporters, who see only
# their own unit's figures.
CITY_VIEW_ROLES = (User.Role.LEADER, User.Role.REVIEWER, User.Role.AUDITOR, User.Role.ADMIN)


def role_required(*roles: str):
    """Let a view through only for users with one of `roles` (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated or request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def can_view_unit_figures(user: User, unit: Unit) -> bool:
    """Reporters see only their own unit's figures; every other role reads all approved figures."""
    if not user.is_authenticated:
        return False
    if user.role == User.Role.REPORTER:
        return user.unit_id == unit.pk
    return True


def reads_approved_only(user: User) -> bool:
    """Return whether `user` reads approved figures only (leaders): they see the approved version
    of a record and its history up to it, never figures still in the reporters' or reviewers' hands."""
    return user.is_authenticated and user.role == User.Role.LEADER


def submissions_visible_to(user: User, queryset: QuerySet[Submission] | None = None) -> QuerySet[Submission]:
    """Return the submissions `user` may read: own unit (reporters), approved ones (leaders), all."""
    queryset = Submission.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if user.role == User.Role.REPORTER:
        return queryset.filter(unit_id=user.unit_id)
    if reads_approved_only(user):
        return queryset.filter(approved__isnull=False)
    if user.role in READ_ALL_FIGURES:
        return queryset
    return queryset.none()


def submission_get_for_user(user: User, pk) -> Submission:
    """Return the submission `pk` if `user` may read it; 404 otherwise (its existence is not leaked)."""
    pk = parse_id(pk)
    if pk is None:
        raise Http404("no such submission")
    # .get(), not .first(): by its key, no ORDER BY to compile and run.
    try:
        return (
            submissions_visible_to(user)
            .select_related("indicator", "unit", "period", "current__created_by", "approved__approved_by")
            .get(pk=pk)
        )
    except Submission.DoesNotExist:
        raise Http404("no such submission") from None


def evidence_visible_to(user: User, queryset: QuerySet[Evidence] | None = None) -> QuerySet[Evidence]:
    """Return the evidence files `user` may read: those of the submissions they may read, and for
    leaders (approved figures only) just the files attached at or before the approved version, never
    those of an amendment still under review."""
    queryset = Evidence.objects.all() if queryset is None else queryset
    queryset = queryset.filter(submission__in=submissions_visible_to(user))
    if reads_approved_only(user):
        queryset = queryset.filter(version_number__lte=F("submission__approved__number"))
    return queryset


def can_edit_unit(user: User, unit: Unit | int) -> bool:
    """Return whether `user` may enter, amend and document the figures of `unit` (a Unit or its
    id): its own reporters only."""
    unit_id = unit if isinstance(unit, int) else unit.pk
    return user.is_authenticated and user.role == User.Role.REPORTER and user.unit_id == unit_id


def can_review(user: User) -> bool:
    """Return whether `user` approves and returns submitted figures (reviewers)."""
    return user.is_authenticated and user.role == User.Role.REVIEWER


def can_configure(user: User) -> bool:
    """Return whether `user` configures the portal: units, indicators, targets, opening and closing
    periods (administrators)."""
    return user.is_authenticated and user.role == User.Role.ADMIN


def can_read_audit_log(user: User) -> bool:
    return user.is_authenticated and user.role == User.Role.AUDITOR


def can_see_refused_duplicates(user: User) -> bool:
    """The list of items refused as already counted (who tried, what, where it counts) is the
    auditors', like the audit log it is read from."""
    return can_read_audit_log(user)


def can_see_possible_duplicates(user: User) -> bool:
    """Items named like an item another unit counts (possible duplicates) are flagged to those who
    judge them: reviewers, and auditors."""
    return can_review(user) or can_read_audit_log(user)


# --- Exports ---------------------------------------------------------------------------------------

# Who sees every export and fetches any file (the audit trail of what left the portal is theirs).
EXPORTS_OVERSEERS = (User.Role.AUDITOR, User.Role.ADMIN)


def _may_request(user: User, kind: str, unit_code: str | None) -> bool:
    registered = export_kind(kind)
    if not user.is_authenticated or registered is None or user.role not in registered.roles:
        return False
    if user.role == User.Role.REPORTER:
        # Their own unit's table only, never the city's or another unit's.
        return registered.takes_unit and unit_code is not None and user.unit is not None and unit_code == user.unit.code
    return True


def can_request_export(user: User, kind: str, unit: Unit | None = None) -> bool:
    """Return whether `user` may ask for an export of `kind` (about `unit`, for kinds that take one).

    Auditors and administrators: every kind; leaders: briefings and progress tables; reviewers:
    progress tables; reporters: the progress table of their own unit only (the actions set the unit
    to theirs before asking here).
    """
    return _may_request(user, kind, unit.code if unit is not None else None)


def can_access_export(user: User, export: Export) -> bool:
    """Return whether `user` may follow and download `export`: the same right as asking for it, and
    being the one who asked (auditors and administrators: any; the portal's own exports: anyone
    with the right)."""
    if not _may_request(user, export.kind, export.unit_code):
        return False
    if user.role in EXPORTS_OVERSEERS:
        return True
    return export.requested_by_id is None or export.requested_by_id == user.pk


def exports_visible_to(user: User, queryset: QuerySet[Export] | None = None) -> QuerySet[Export]:
    """Return the exports `user` may see: all (auditors, administrators), else their own and the
    portal's own exports of the kinds they may ask for."""
    queryset = Export.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if user.role in EXPORTS_OVERSEERS:
        return queryset
    kinds = [code for code, kind in KINDS.items() if user.role in kind.roles]
    if user.role == User.Role.REPORTER:
        unit_code = user.unit.code if user.unit is not None else None
        return queryset.filter(kind__in=kinds, requested_by=user, params__unit=unit_code)
    automatic = [code for code in kinds if not KINDS[code].takes_unit]
    return queryset.filter(Q(requested_by=user, kind__in=kinds) | Q(requested_by__isnull=True, kind__in=automatic))


def export_get_for_user(user: User, pk) -> Export:
    """Return export `pk` if `user` may follow and download it; 404 otherwise (its existence is not
    leaked)."""
    try:
        pk = uuid.UUID(str(pk))
    except (TypeError, ValueError, AttributeError):
        raise Http404("no such export")
    export = Export.objects.select_related("requested_by").filter(pk=pk).first()
    if export is None or not can_access_export(user, export):
        raise Http404("no such export")
    return export
