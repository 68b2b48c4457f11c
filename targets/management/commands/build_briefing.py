from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from targets.exports.base import ExportRefused, ExportRequest, no_report
from targets.exports.briefing_docx import briefing_docx_build
from targets.exports.briefing_pdf import briefing_pdf_build
from targets.models import Period

BUILDERS = {"pdf": ("briefing_pdf", briefing_pdf_build), "docx": ("briefing_docx", briefing_docx_build)}


class Command(BaseCommand):
    help = (
        "Build the quarterly briefing (季度通报) of a period as PDF or Word, as the exports page does, "
        "into a file: for the bureau, and for testing."
    )

    def add_arguments(self, parser):
        parser.add_argument("period", nargs="?", default="", help="Period code YYYYQn (default: the latest computed)")
        parser.add_argument("--format", choices=sorted(BUILDERS), default="pdf", help="pdf (default) or docx")
        parser.add_argument(
            "--language", default=settings.LANGUAGE_CODE, choices=[code for code, _name in settings.LANGUAGES],
            help="Language of the briefing (default: Chinese)",
        )
        parser.add_argument("-o", "--output", type=Path, required=True, help="The file to write")

    def handle(self, *args, period: str, format: str, language: str, output: Path, **options):
        with translation.override(language):
            chosen = None
            if period:
                chosen = Period.objects.filter(code=period).first()
                if chosen is None:
                    raise CommandError(_("There is no period “%s”.") % period[:20])
            kind, build = BUILDERS[format]
            request = ExportRequest(kind=kind, user=None, language=language, period=chosen)
            partial = output.with_name(output.name + ".part")
            try:
                with partial.open("wb") as out:
                    summary = build(out=out, request=request, report=no_report)
            except ExportRefused as refused:
                partial.unlink(missing_ok=True)
                raise CommandError(str(refused)) from None
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
            partial.replace(output)
            details = ", ".join(f"{key}={value}" for key, value in summary.items())
            self.stdout.write(self.style.SUCCESS(f"{output} ({details})"))
