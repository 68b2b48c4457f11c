from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from targets.actions.tokens import token_issue
from targets.models import User


class Command(BaseCommand):
    help = "Print the API token of a user (creating it if needed; --rotate replaces it)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--rotate", action="store_true", help="replace an existing token")

    def handle(self, *args, username, rotate, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("no active user “%s”") % username)
        self.stdout.write(token_issue(user=user, rotate=rotate).key)
