from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from targets.actions.demo import demo_figures_create, demo_users_ensure
from targets.models import Plan, Unit, User


class Command(BaseCommand):
    help = "Create the demo logins and deterministic approved demo figures (2023Q1–2026Q3)."

    def add_arguments(self, parser):
        parser.add_argument("--plan", default="wenzhou-metrology", help="plan code")

    def handle(self, *args, plan, **options):
        plan_obj = Plan.objects.filter(code=plan).first()
        if plan_obj is None:
            raise CommandError(_("no plan “%s”: run load_plan first") % plan)
        logins = demo_users_ensure()
        created = demo_figures_create(plan_obj)
        if created:
            self.stdout.write(self.style.SUCCESS(_("created %d demo submissions (approved; a few of the latest quarter still in review)") % created))
        else:
            self.stdout.write(_("demo submissions already present: unchanged"))
        self.stdout.write(_("Demo logins (demo data only):"))
        # Units by name, in the language of the command (Chinese first), not by their codes.
        units = {u.code: u.name for u in Unit.objects.filter(code__in=[login.unit_code for login in logins if login.unit_code])}
        for login in logins:
            role = User.Role(login.role).label
            who = f"{login.display_name} · {role}" if login.display_name else str(role)
            unit = f" · {units.get(login.unit_code, login.unit_code)}" if login.unit_code else ""
            self.stdout.write(f"  {login.username:18} {login.password}   {who}{unit}")
