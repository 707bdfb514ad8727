from django.core.management.base import CommandError

from siecle.importer import Confirmation, ExportFile, ExportRefused, ImportBlocked, import_exports
from tsadmin.commands import FrenchRefusalCommand

FLAGS = {"mass": "--allow-mass-changes", "partial": "--allow-partial"}


class Command(FrenchRefusalCommand):
    help = (
        "Import SIECLE BEE XML exports (students, guardians, nomenclature, structures; .xml or .zip) "
        "of one school into the SIECLE base, in one transaction, then print the report. Mass changes "
        "(more than 10 % of present students leaving, notified codes invalidated) and partial exports "
        "(fewer than half of the present students) are refused unless allowed."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="export files (.xml or .zip)")
        parser.add_argument("--uaj", help="refuse files of any other school than this UAJ")
        parser.add_argument("--academy", help="academy code for a school not yet in the base")
        parser.add_argument("--dry-run", action="store_true", help="read and report, write nothing")
        parser.add_argument(
            "--allow-mass-changes",
            action="store_true",
            help="accept more than 10 %% of present students leaving, and notified codes being invalidated",
        )
        parser.add_argument(
            "--allow-partial",
            action="store_true",
            help="accept a students or guardians export naming fewer than half of the present students",
        )

    def handle(
        self,
        *args,
        files: list[str],
        uaj: str | None,
        academy: str | None,
        dry_run: bool,
        allow_mass_changes: bool,
        allow_partial: bool,
        **options,
    ):
        confirmation = Confirmation(allow_mass_changes=allow_mass_changes, allow_partial=allow_partial)
        try:
            exports = [ExportFile(path) for path in files]
            report = import_exports(exports, uaj=uaj, dry_run=dry_run, academy_code=academy, confirmation=confirmation)
        except ImportBlocked as exc:
            self.stdout.write("Import refusé, rien n'a été enregistré ; voici ce qu'il aurait fait :")
            for line in exc.report.lines()[1:]:
                self.stdout.write(line)
            flag = FLAGS.get(exc.reason)
            hint = f" (pour l'accepter : {flag})" if flag else ""
            raise CommandError(f"{exc.message}{hint}", returncode=2) from exc
        except ExportRefused as exc:
            raise CommandError(f"Import refusé : {exc.message}", returncode=2) from exc
        for line in report.lines():
            self.stdout.write(line)
        risks = report.risks
        if dry_run and risks.any:
            if risks.partial:
                self.stdout.write(f"Attention : {risks.partial_sentence()} ({FLAGS['partial']} pour l'importer).")
            if risks.mass_changes:
                self.stdout.write(f"Attention : {risks.mass_sentence()} ({FLAGS['mass']} pour l'importer).")
