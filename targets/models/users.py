from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A portal user with one role; reporters are bound to the unit whose figures they enter."""

    class Role(models.TextChoices):
        REPORTER = "reporter", _("Reporter")
        REVIEWER = "reviewer", _("Reviewer")
        LEADER = "leader", _("Leader")
        AUDITOR = "auditor", _("Auditor")
        ADMIN = "admin", _("Administrator")

    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.LEADER)
    unit = models.ForeignKey(
        "Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="users", verbose_name=_("unit")
    )
    is_demo = models.BooleanField(_("demo login"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # A reporter without a unit could see nothing; anyone else with one would be confusing.
            models.CheckConstraint(
                condition=(models.Q(role="reporter", unit__isnull=False) | ~models.Q(role="reporter")),
                name="reporter_has_unit",
            )
        ]

    def __str__(self) -> str:
        return self.username
