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
    # What the portal shows wherever a person appears (who entered, who approved, the queue); the
    # login stays for the places an auditor needs it (the audit log, the admin).
    display_name = models.CharField(
        _("display name"), max_length=100, blank=True,
        help_text=_("The person's name as colleagues know it, e.g. 王晓红; the login is shown when it is empty."),
    )

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

    @property
    def shown_name(self) -> str:
        """Return the person's name for pages: the display name, or the login when there is none."""
        return self.display_name or self.username
