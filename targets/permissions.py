"""Who may see and do what, in one place; views and the API ask here (enforced on the server)."""

from __future__ import annotations

from .models import Unit, User


def can_view_unit_figures(user: User, unit: Unit) -> bool:
    """Reporters see only their own unit's figures; every other role reads all approved figures."""
    if not user.is_authenticated:
        return False
    if user.role == User.Role.REPORTER:
        return user.unit_id == unit.pk
    return True
