"""Who may see and do what, in one place; views and the API ask here (enforced on the server).

| role     | plan | own unit's figures | all figures            | review | audit log | configure |
|----------|------|--------------------|------------------------|--------|-----------|-----------|
| reporter | read | read, enter, amend | —                      | —      | —         | —         |
| reviewer | read | —                  | read all               | yes    | —         | —         |
| leader   | read | —                  | read approved only     | —      | —         | —         |
| auditor  | read | —                  | read all, with history | —      | read      | —         |
| admin    | read | —                  | read all               | —      | —         | yes       |
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from .models import Submission, Unit, User

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


def submissions_visible_to(user: User, queryset: QuerySet[Submission] | None = None) -> QuerySet[Submission]:
    """Return the submissions `user` may read: own unit (reporters), approved ones (leaders), all."""
    queryset = Submission.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if user.role == User.Role.REPORTER:
        return queryset.filter(unit_id=user.unit_id)
    if user.role == User.Role.LEADER:
        return queryset.filter(approved__isnull=False)
    if user.role in READ_ALL_FIGURES:
        return queryset
    return queryset.none()


def submission_get_for_user(user: User, pk) -> Submission:
    """Return the submission `pk` if `user` may read it; 404 otherwise (its existence is not leaked)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("no such submission")
    submission = (
        submissions_visible_to(user)
        .select_related("indicator", "unit", "period", "current__created_by", "approved__approved_by")
        .filter(pk=pk)
        .first()
    )
    if submission is None:
        raise Http404("no such submission")
    return submission


def can_edit_unit(user: User, unit: Unit) -> bool:
    return user.is_authenticated and user.role == User.Role.REPORTER and user.unit_id == unit.pk


def can_review(user: User) -> bool:
    return user.is_authenticated and user.role == User.Role.REVIEWER


def can_read_audit_log(user: User) -> bool:
    return user.is_authenticated and user.role == User.Role.AUDITOR
