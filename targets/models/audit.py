"""The audit log: append-only, each entry chained to the previous one by SHA-256."""

import datetime as dt
import hashlib
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """Who did what, when, from where, to which object, with the values before and after.

    `hash` = SHA-256 of the previous entry's hash and this entry's canonical content, so removing,
    reordering or editing any entry breaks the chain (`manage.py verify_audit` finds where). In
    PostgreSQL a trigger refuses UPDATE and DELETE on this table.
    """

    class Action(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGOUT = "logout", _("Logged out")
        CREATE = "create", _("Created")
        EDIT = "edit", _("Edited")
        DELETE = "delete", _("Deleted")
        SUBMIT = "submit", _("Submitted")
        APPROVE = "approve", _("Approved")
        RETURN = "return", _("Returned")
        AMEND = "amend", _("Amended")
        UPLOAD = "upload", _("Uploaded")
        EXPORT = "export", _("Exported")
        PLAN_LOAD = "plan_load", _("Loaded the plan")
        PERIOD_OPEN = "period_open", _("Opened a period")
        PERIOD_CLOSE = "period_close", _("Closed a period")
        USER_CHANGE = "user_change", _("Changed a user")
        TOKEN_ISSUE = "token_issue", _("Issued an API token")
        # An item refused because its identifier is already counted for the indicator (actions/item_claims.py).
        DUPLICATE_REFUSED = "duplicate_refused", _("Refused a duplicate item")

    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=50, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=50, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    GENESIS = "0" * 64

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr}"

    def canonical_content(self) -> str:
        """Return the entry's content as canonical JSON (sorted keys, no spaces, UTF-8 text)."""
        content = {
            # In UTC, as the database gives it back, whatever zone the entry was made in.
            "at": self.at.astimezone(dt.timezone.utc).isoformat(timespec="microseconds"),
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "ip": self.ip,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "before": self.before,
            "after": self.after,
        }
        return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)

    def compute_hash(self) -> str:
        digest = hashlib.sha256()
        digest.update(self.prev_hash.encode("ascii"))
        digest.update(self.canonical_content().encode("utf-8"))
        return digest.hexdigest()
