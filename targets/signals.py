"""Logins, failed logins and logouts go to the audit log (receivers only call the action)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .actions import audit_record
from .models import AuditEntry


def client_ip(request) -> str | None:
    """Return the client's address as the server saw it (REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit_record(action=AuditEntry.Action.LOGIN, actor=user, ip=client_ip(request), obj=user)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action=AuditEntry.Action.LOGOUT, actor=user, ip=client_ip(request), obj=user)


@receiver(user_login_failed)
def audit_login_failure(sender, credentials, request=None, **kwargs):
    # Never store the password tried; the username is what the person typed.
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        action=AuditEntry.Action.LOGIN_FAILED, actor_name=username, ip=client_ip(request),
        object_type="user", object_repr=username,
    )
