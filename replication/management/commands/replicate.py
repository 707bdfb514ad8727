from django.core.management.base import CommandError

from replication.run import replication_run
from siecle.models import School
from tsadmin.commands import FrenchRefusalCommand


class Command(FrenchRefusalCommand):
    help = (
        "Copy what families may see from the SIECLE base to the téléservices database, and bring back what "
        "they did (the nightly replication). Incremental by default: only what the change journal names. "
        "--full resyncs everything (or the --uaj schools) and removes what no longer qualifies. Prints the run "
        "log; exit status 1 when the run failed or another run holds the lock, 2 on bad arguments."
    )

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="resync everything, deleting what no longer qualifies")
        parser.add_argument("--uaj", action="append", default=[], help="only this school (may be repeated)")
        parser.add_argument("--quiet", action="store_true", help="print the log only when the run fails (make run)")

    def handle(self, *args, **options):
        uajs = sorted({u.strip().upper() for u in options["uaj"] if u.strip()})
        known = set(School.objects.filter(uaj__in=uajs).values_list("uaj", flat=True))
        unknown = [u for u in uajs if u not in known]
        if unknown:
            raise CommandError(f"Établissement inconnu : {', '.join(unknown)}.", returncode=2)
        quiet = options["quiet"]
        outcome = replication_run(
            full=options["full"], uajs=uajs, origin="commande", echo=None if quiet else self._echo
        )
        if not outcome.ok:
            if quiet:
                self.stderr.write("\n".join(outcome.lines))
            raise CommandError(
                "Une réplication est déjà en cours." if outcome.busy else "La réplication a échoué.", returncode=1
            )

    def _echo(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
