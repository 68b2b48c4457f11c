from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from targets.actions import ActionError, user_create_or_update
from targets.models import User


class Command(BaseCommand):
    help = "Create or update a portal user with one role (reporters need --unit)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help="one of: " + ", ".join(User.Role.values))
        parser.add_argument("--unit", help="unit code, for reporters (e.g. 330302)")
        parser.add_argument("--password", help="set this password (otherwise unchanged, or unusable for a new user)")
        parser.add_argument("--name", dest="display_name", help="the name pages show, e.g. 王晓红 (otherwise unchanged)")

    def handle(self, *args, username, role, unit, password, display_name=None, **options):
        try:
            user, created = user_create_or_update(
                username=username, role=role, unit_code=unit, password=password, display_name=display_name
            )
        except ActionError as exc:
            raise CommandError(str(exc))
        message = _("created user %(user)s (%(role)s)") if created else _("updated user %(user)s (%(role)s)")
        self.stdout.write(self.style.SUCCESS(message % {"user": user.username, "role": user.get_role_display()}))
