from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from targets.selectors.audit import audit_verify
from targets.models import AuditEntry


class Command(BaseCommand):
    help = "Check the audit log's hash chain: print OK, or the first broken entry (exit status 1)."

    def handle(self, *args, **options):
        broken = audit_verify()
        if broken is None:
            self.stdout.write(f"OK ({_('%d entries verified') % AuditEntry.objects.count()})")
            return
        raise CommandError(
            _("broken at entry #%(id)d (%(at)s, %(action)s by %(user)s): its hash or its link to the previous entry does not match")
            % {"id": broken.pk, "at": broken.at.isoformat(), "action": broken.action, "user": broken.actor_name or "-"}
        )
