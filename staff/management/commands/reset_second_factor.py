from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from staff.security.second_factor import second_factor_reset


class Command(BaseCommand):
    help = (
        "IT staff: forget a user's second factor (authenticator app and recovery codes) after checking "
        "his identity, and end his sessions. He enrols a new one at his next sign-in."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="login of the user")

    def handle(self, *args, username: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Identifiant inconnu : {username}", returncode=2)
        ended = second_factor_reset(user=user)
        self.stdout.write(
            self.style.SUCCESS(
                f"Second facteur de {user.username} réinitialisé ({ended} session(s) fermée(s)) : "
                "il en activera un nouveau à sa prochaine connexion."
            )
        )
