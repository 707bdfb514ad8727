from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from services.selectors import teleservices_activated
from siecle.models import School
from staff.services import staff_user_create_or_update


class Command(BaseCommand):
    help = (
        "Create the demo school head (or give him a new password): attached to the first school whose "
        "téléservices are activated and to the first one where they are not yet (the first-visit screen). "
        "Prints the login and the password."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="chef.demo", help="login (default chef.demo)")

    def handle(self, *args, username: str, **options):
        if settings.PRODUCTION:
            # Fake families and accounts (or a known user's new password) have no place in a real academy.
            raise CommandError("Commande de démonstration : refusée en production (TSADMIN_ENV=production).")
        schools = School.objects.order_by("uaj")
        # The demo activates every school but the last: each search stops at its first try.
        activated = next((s for s in schools if teleservices_activated(school=s)), None)
        waiting = next((s for s in schools.reverse() if not teleservices_activated(school=s)), None)
        chosen = [s for s in (activated, waiting) if s is not None]
        if not chosen:
            raise CommandError("Aucun établissement dans la base SIECLE : lancez d'abord seed_demo.")
        user, password = staff_user_create_or_update(username=username, schools=chosen)
        for school, state in ((activated, "téléservices activés"), (waiting, "téléservices pas encore activés")):
            if school is not None:
                self.stdout.write(f"Établissement : {school} ({state})")
        self.stdout.write(f"Identifiant : {user.username}")
        self.stdout.write(f"Mot de passe : {password}")
