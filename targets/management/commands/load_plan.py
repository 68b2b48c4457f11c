from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from targets.actions.plan import PlanFileError, plan_load
from targets.selectors.plan import target_breakdown_warnings


class Command(BaseCommand):
    help = "Validate a plan file and load it: all or nothing, idempotent, never deleting figures."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, nargs="?", help="The plan file (default: the PLAN_FILE setting)")

    def handle(self, *args, path: Path | None, **options):
        path = path or Path(settings.PLAN_FILE)
        try:
            plan, report = plan_load(path=path, actor_name="manage.py")
        except PlanFileError as exc:
            for problem in exc.problems:
                self.stderr.write(f"{problem.path}: {problem.reason}")
            raise CommandError(
                _("%(file)s: %(count)d problem(s); nothing was written.") % {"file": path, "count": len(exc.problems)}
            )
        for indicator in plan.indicators.filter(active=True).prefetch_related("targets"):
            for warning in target_breakdown_warnings(indicator):
                self.stderr.write(self.style.WARNING(_("warning: %s") % warning))
        if not report.changed:
            self.stdout.write(_("%(plan)s: no changes (the database already matches %(file)s).") % {"plan": plan.code, "file": path})
            return
        parts = []
        for label, counter in ((_("created"), report.created), (_("updated"), report.updated), (_("retired"), report.retired), (_("deleted"), report.deleted)):
            if counter:
                parts.append(f"{label} " + ", ".join(f"{name} {n}" for name, n in sorted(counter.items())))
        self.stdout.write(self.style.SUCCESS(_("%(plan)s loaded: %(changes)s.") % {"plan": plan.code, "changes": "; ".join(parts)}))
