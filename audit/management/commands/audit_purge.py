from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit.services import PURGE_BATCH_SIZE, audit_reads_purge
from staff.security.retention import sign_in_events_purge


class Command(BaseCommand):
    help = (
        "Delete, in batches, the journal of reads older than AUDIT_RETENTION_DAYS and the security log "
        "(sign-in events) older than SIGN_IN_EVENT_RETENTION_DAYS: what the nightly beat tasks do."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=PURGE_BATCH_SIZE, help=f"rows per DELETE (default {PURGE_BATCH_SIZE})"
        )

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size doit être un entier positif.", returncode=2)
        reads = audit_reads_purge(batch_size=batch_size)
        sign_ins = sign_in_events_purge(batch_size=batch_size)
        self.stdout.write(
            f"Journal des consultations : {reads} ligne(s) supprimée(s) "
            f"(conservation {settings.AUDIT_RETENTION_DAYS} jours)."
        )
        self.stdout.write(
            f"Journal de sécurité des connexions : {sign_ins} ligne(s) supprimée(s) "
            f"(conservation {settings.SIGN_IN_EVENT_RETENTION_DAYS} jours)."
        )
