from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token

from ..models import AuditEntry, User
from .audit import audit_record


@transaction.atomic
def token_issue(*, user: User, rotate: bool = False, actor: User | None = None) -> Token:
    """Return the user's API token, creating it (or replacing it when rotating)."""
    token = Token.objects.filter(user=user).first()
    if token is not None and not rotate:
        return token
    if token is not None:
        token.delete()
    token = Token.objects.create(user=user)
    # The key itself is a secret: the log says that a token was issued, never what it is.
    audit_record(action=AuditEntry.Action.TOKEN_ISSUE, actor=actor, actor_name="" if actor else "manage.py", obj=user, after={"rotated": rotate})
    return token
