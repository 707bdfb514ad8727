from django.core.management.base import CommandError

from consultation.imports import ExportRefused, consultation_import
from tsadmin.commands import FrenchRefusalCommand


class Command(FrenchRefusalCommand):
    help = (
        "Import the consultation data of SIECLE (absences, evaluations, marks, LPC and B2i validations) "
        'from CSV files, one kind per file, told by its header line (columns: README, "Consultation data"). '
        "One transaction: a bad row refuses the whole import. Rows absent from the files are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "files", nargs="+", metavar="FILE", help="CSV files (; or , separated, UTF-8 or Windows-1252)"
        )
        parser.add_argument("--uaj", help="the school of rows without a UAJ column; rows of another school are refused")
        parser.add_argument("--dry-run", action="store_true", help="read, check and report, write nothing")

    def handle(self, *args, files: list[str], uaj: str | None, dry_run: bool, **options):
        try:
            report = consultation_import(paths=files, uaj=uaj, dry_run=dry_run)
        except ExportRefused as exc:
            raise CommandError(f"Import refusé : {exc.message}", returncode=2) from exc
        for line in report.lines():
            self.stdout.write(line)
