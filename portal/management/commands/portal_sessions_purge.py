"""Delete the families' sessions past their expiry (an expired row already opens nothing)."""

from django.core.management.base import BaseCommand

from portal.sessions import sessions_purge_expired


class Command(BaseCommand):
    help = "Supprime les sessions des familles expirées (à lancer chaque nuit, par cron, sur le serveur du portail)."

    def handle(self, *args, **options):
        count = sessions_purge_expired()
        self.stdout.write(f"{count} session(s) expirée(s) supprimée(s).")
