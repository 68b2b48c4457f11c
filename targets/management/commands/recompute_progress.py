from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from targets.actions.progress import progress_recompute, progress_recompute_all
from targets.models import Indicator


class Command(BaseCommand):
    help = "Recompute progress snapshots now, synchronously (all indicators, or one with --indicator)."

    def add_arguments(self, parser):
        parser.add_argument("--indicator", help="indicator code, e.g. M01-STD")

    def handle(self, *args, indicator, **options):
        if indicator:
            found = Indicator.objects.filter(code=indicator).select_related("plan").first()
            if found is None:
                raise CommandError(_("unknown indicator code “%s”") % indicator)
            runs = [progress_recompute(indicator=found, trigger="manual")]
        else:
            runs = progress_recompute_all(trigger="manual")
        rows = sum(run.rows for run in runs)
        self.stdout.write(self.style.SUCCESS(_("recomputed %(n)d indicator(s), %(rows)d rows") % {"n": len(runs), "rows": rows}))
