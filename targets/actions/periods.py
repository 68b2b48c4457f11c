from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import AuditEntry, Period, User
from ..permissions import can_configure
from .audit import audit_record
from .errors import ActionError


@transaction.atomic
def period_set_open(*, user: User, period: Period, is_open: bool, ip: str | None = None) -> Period:
    """Open or close a reporting period (administrators only)."""
    if not can_configure(user):
        raise ActionError(_("Only administrators open and close periods."), status=403)
    period = Period.objects.select_for_update(of=("self",)).get(pk=period.pk)
    if period.is_open != is_open:
        period.is_open = is_open
        period.save(update_fields=["is_open"])
        audit_record(
            action=AuditEntry.Action.PERIOD_OPEN if is_open else AuditEntry.Action.PERIOD_CLOSE,
            actor=user, ip=ip, obj=period, before={"is_open": not is_open}, after={"is_open": is_open},
        )
    return period
