"""Configuration saved or deleted through the admin site: units, indicators and their targets,
periods, the plan's texts and thresholds, users.

Django's admin writes the object and its inlines (in one transaction); this action then records
the save in the portal's audit log (Django's own admin history is not hash-chained) with the
values before and after, and, where the save changes what progress is computed from or what the
cached dashboards show, queues a recompute in that same transaction. Deletions are this module's
own writes (configuration_delete), recorded with the values the objects had.

Recorded values are JSON-safe: related objects by their name, dates in ISO form, decimals as exact
text. A password is never recorded, not even its hash: only that it changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction

from ..models import Area, AuditEntry, Goal, Indicator, Measure, Plan, Safeguard, Unit, User
from ..numbers import decimal_text
from .audit import audit_record
from .outbox import outbox_enqueue

# What the audit log says of a password that was set or changed (never the password or its hash).
PASSWORD_CHANGED = "password changed"

# Saves that change every indicator's progress: the units counted in the city's figures, the plan's
# status thresholds, and the titles and goals shown on the dashboards (cached per recompute).
RECOMPUTE_ALL = (Unit, Plan, Area, Measure, Safeguard, Goal)
# An indicator's kind, baseline, reporting units or targets change its own progress only.
RECOMPUTE_ONE = (Indicator,)


def _details(obj: models.Model) -> dict:
    """Return what the audit entry records besides the names of the fields changed."""
    if isinstance(obj, Indicator):
        targets = obj.targets.select_related("unit").order_by("year", "unit__code")
        return {"targets": [
            {"year": t.year, "unit": t.unit.code if t.unit else None, "value": str(t.value), "mode": t.mode} for t in targets
        ]}
    return {}


def _is_password(name: str) -> bool:
    # The model's hash ("password") and the admin forms' fields (password1, usable_password, ...).
    return "password" in name


def _json_value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (dt.date, dt.time)):  # datetimes too
        return value.isoformat()
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, (list, tuple)):  # a JSON field's list: order kept
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return value


def _values(obj: models.Model, names: Iterable[str]) -> dict:
    """Return the values of the fields `names` of `obj`, JSON-safe; a password only as changed.

    Names the model does not have (fields of the admin's forms only) are left out."""
    values = {}
    for name in sorted(set(names)):
        if _is_password(name):
            values["password"] = PASSWORD_CHANGED
            continue
        try:
            field = obj._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.many_to_many:  # a set of links: sorted, to compare before and after
            value = sorted(str(o) for o in getattr(obj, name).all()) if obj.pk is not None else []
        elif field.many_to_one or field.one_to_one:
            value = getattr(obj, name)
        elif field.concrete:
            value = field.value_from_object(obj)
        else:
            continue  # reverse relations are recorded by their own objects
        values[name] = _json_value(value)
    return values


def _stored_fields(obj: models.Model) -> list[str]:
    """Return the names of every field `obj` stores (its many-to-many links too), password aside."""
    return [
        f.name for f in obj._meta.get_fields()
        if (f.concrete or f.many_to_many) and not f.auto_created and not _is_password(f.name)
    ]


def configuration_snapshot(*, obj: models.Model, fields: Iterable[str]) -> dict | None:
    """Return the stored values of `fields` of `obj` (and its details: an indicator's targets) as
    the database holds them, not as `obj` holds them: call before the admin saves a change, and
    hand the result to configuration_save_record as `before`. None for an object not stored yet."""
    if obj.pk is None:
        return None
    stored = type(obj)._default_manager.filter(pk=obj.pk).first()
    if stored is None:
        return None
    return {"values": _values(stored, fields), **_details(stored)}


def _recompute_after_change(obj: models.Model) -> None:
    if isinstance(obj, RECOMPUTE_ALL):
        outbox_enqueue(indicator_ids=Indicator.objects.filter(active=True).values_list("pk", flat=True))
    elif isinstance(obj, RECOMPUTE_ONE) and obj.pk is not None:
        outbox_enqueue(indicator_ids=[obj.pk])


@transaction.atomic
def configuration_save_record(
    *,
    user: User,
    obj: models.Model,
    created: bool,
    changed_fields: Iterable[str],
    before: dict | None = None,
    ip: str | None = None,
) -> None:
    """Record that `user` created or changed `obj` (and its inlines) through the admin, with the
    values before (`before`, from configuration_snapshot taken before the save) and after, and
    queue the recompute the change calls for; call once the whole save is written."""
    changed_fields = list(changed_fields)
    audit_record(
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.EDIT, actor=user, ip=ip, obj=obj,
        before=None if created else before,
        after={"fields": sorted(changed_fields), "values": _values(obj, changed_fields), **_details(obj)},
    )
    _recompute_after_change(obj)


@transaction.atomic
def configuration_delete(*, user: User, objects: Iterable[models.Model], ip: str | None = None) -> int:
    """Delete `objects` for `user` (the admin's delete, one or a selection) and record each in the
    audit log with the values it had; return how many were deleted.

    All or nothing: an object others still depend on (a period with figures, a user who acted)
    refuses the deletion (ProtectedError) and nothing is deleted or recorded.
    """
    objects = list(objects)
    recompute = False
    for obj in objects:
        # Recorded first, while the object still has its id and links; the same transaction.
        audit_record(
            action=AuditEntry.Action.DELETE, actor=user, ip=ip, obj=obj,
            before={"values": _values(obj, _stored_fields(obj)), **_details(obj)}, after=None,
        )
        recompute = recompute or isinstance(obj, RECOMPUTE_ALL)
        obj.delete()
    if recompute:
        outbox_enqueue(indicator_ids=Indicator.objects.filter(active=True).values_list("pk", flat=True))
    return len(objects)
