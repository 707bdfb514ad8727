import sys

from django.core.management.base import BaseCommand, CommandError

from siecle.importer import ExportFile, ExportRefused, import_exports


class Command(BaseCommand):
    help = (
        "Import SIECLE BEE XML exports (students, guardians, nomenclature, structures; .xml or .zip) "
        "of one school into the SIECLE base, in one transaction, then print the report."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="export files (.xml or .zip)")
        parser.add_argument("--uaj", help="refuse files of any other school than this UAJ")
        parser.add_argument("--academy", help="academy code for a school not yet in the base")
        parser.add_argument("--dry-run", action="store_true", help="read and report, write nothing")

    def run_from_argv(self, argv):
        """From the shell, a refusal is one French line on stderr and exit status 2 (no class name)."""
        try:
            super().run_from_argv([*argv[:2], "--traceback", *argv[2:]])
        except CommandError as exc:
            self.stderr.write(str(exc))
            sys.exit(exc.returncode)

    def handle(self, *args, files: list[str], uaj: str | None, academy: str | None, dry_run: bool, **options):
        try:
            exports = [ExportFile(path) for path in files]
            report = import_exports(exports, uaj=uaj, dry_run=dry_run, academy_code=academy)
        except ExportRefused as exc:
            raise CommandError(f"Import refusé : {exc.message}", returncode=2) from exc
        for line in report.lines():
            self.stdout.write(line)
