from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import AuditEntry, Unit, User
from .audit import audit_record
from .errors import ActionError


@transaction.atomic
def user_create_or_update(
    *,
    username: str,
    role: str,
    unit_code: str | None = None,
    password: str | None = None,
    is_demo: bool = False,
    actor: User | None = None,
    display_name: str | None = None,
) -> tuple[User, bool]:
    """Create or update a user with one role; return (user, created). `display_name` (the name
    pages show) is left as it is when None."""
    if role not in User.Role.values:
        raise ActionError(_("unknown role “%(role)s” (one of: %(roles)s)") % {"role": role, "roles": ", ".join(User.Role.values)})
    unit = None
    if unit_code:
        unit = Unit.objects.filter(code=unit_code, active=True).first()
        if unit is None:
            raise ActionError(_("unknown unit code “%s”") % unit_code)
        if unit.is_city:
            raise ActionError(_("the city is the aggregate: bind a reporter to a county or a department"))
    if role == User.Role.REPORTER and unit is None:
        raise ActionError(_("a reporter needs --unit CODE"))
    if role != User.Role.REPORTER and unit is not None:
        raise ActionError(_("only reporters are bound to a unit"))
    user = User.objects.filter(username=username).first()
    created = user is None
    before = None if created else {"role": user.role, "unit": user.unit.code if user.unit else None, "display_name": user.display_name}
    if created:
        user = User(username=username)
    user.role = role
    user.unit = unit
    user.is_demo = is_demo
    if display_name is not None:
        user.display_name = display_name.strip()[:100]
    # Administrators configure the portal, which Django's admin site serves.
    user.is_staff = user.is_superuser = role == User.Role.ADMIN
    if password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()
    after = {"role": user.role, "unit": unit.code if unit else None, "display_name": user.display_name, "password_set": bool(password)}
    audit_record(
        action=AuditEntry.Action.USER_CHANGE, actor=actor, actor_name="" if actor else "manage.py",
        obj=user, before=before, after=after,
    )
    return user, created


@transaction.atomic
def user_change_password(*, user: User, new_password: str, ip: str | None = None) -> None:
    """Set `user`'s own new password (already validated by the form) and log it, never the password."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(
        action=AuditEntry.Action.USER_CHANGE, actor=user, ip=ip, obj=user,
        before=None, after={"password_changed": True},
    )


@transaction.atomic
def user_set_password(*, actor: User, user: User, password: str | None, ip: str | None = None) -> None:
    """Set another user's password for an administrator (`actor`, the admin's password form, which
    has validated it), or with None disable password logins, and log it, never the password."""
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        action=AuditEntry.Action.USER_CHANGE, actor=actor, ip=ip, obj=user,
        before=None, after={"password_changed": True} if password is not None else {"password_disabled": True},
    )
