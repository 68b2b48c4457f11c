from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from targets.exports.audit_workbook import workbook_verify


class Command(BaseCommand):
    help = (
        "Check an audit workbook: recompute each data sheet's SHA-256 from its cells and compare it with "
        "the cover; print OK, or name each sheet that differs (exit status 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The workbook (.xlsx) exported by the portal")
        parser.add_argument(
            "--language", default=settings.LANGUAGE_CODE, choices=[code for code, _name in settings.LANGUAGES],
            help="Language of the messages (default: Chinese)",
        )

    def handle(self, *args, path: Path, language: str, **options):
        with translation.override(language):
            self._verify(path)

    def _verify(self, path: Path) -> None:
        if not path.is_file():
            raise CommandError(_("%s: no such file.") % path)
        try:
            checks = workbook_verify(path)
        except ValueError:
            raise CommandError(_("%s is not an audit workbook exported by the portal (no sheet hashes on its cover).") % path)
        problems = []
        for check in checks:
            if check.ok:
                continue
            if check.recorded is None:
                problems.append(_("sheet “%s” is not listed on the cover") % check.title)
            elif check.computed is None:
                problems.append(_("sheet “%s” is listed on the cover but missing from the file") % check.title)
            else:
                problems.append(_("sheet “%s” differs from its hash on the cover") % check.title)
        if not problems:
            self.stdout.write(
                self.style.SUCCESS(f"OK ({_('%d sheets match their hashes on the cover') % len(checks)})")
            )
            return
        for problem in problems:
            self.stderr.write(problem)
        raise CommandError(
            _("%(file)s: %(count)d sheet(s) do not match the cover: %(sheets)s")
            % {"file": path, "count": len(problems), "sheets": ", ".join(f"“{c.title}”" for c in checks if not c.ok)}
        )
