from django.core.management.base import BaseCommand, CommandError

from siecle.models import Academy, School
from staff.services import staff_user_create_or_update


class Command(BaseCommand):
    help = (
        "Create a staff user (or reset his password) and attach him to schools by UAJ, "
        "or to a whole academy with --academy. Prints the login and the password."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="login of the user")
        parser.add_argument("--uaj", action="append", default=[], help="UAJ of a school he manages (repeatable)")
        parser.add_argument("--first-school", action="store_true", help="attach him to the first school (demo)")
        parser.add_argument("--academy", help="code of an academy whose schools he all sees (IT staff)")
        parser.add_argument("--password", help="password to set (default: a new random one, printed)")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, uaj, first_school, academy, password, email, **options):
        schools = []
        for code in uaj:
            school = School.objects.filter(uaj=code.strip().upper()).first()
            if school is None:
                raise CommandError(f"Établissement inconnu : {code}")
            schools.append(school)
        if first_school:
            school = School.objects.order_by("uaj").first()
            if school is None:
                raise CommandError(
                    "Aucun établissement dans la base SIECLE : lancez d'abord seed_demo ou import_siecle."
                )
            schools.append(school)
        academy_obj = None
        if academy:
            academy_obj = Academy.objects.filter(code=academy).first()
            if academy_obj is None:
                raise CommandError(f"Académie inconnue : {academy}")
        if not schools and academy_obj is None:
            raise CommandError("Indiquez au moins un établissement (--uaj) ou une académie (--academy).")
        user, generated = staff_user_create_or_update(
            username=username, password=password, schools=schools, academy=academy_obj, email=email
        )
        where = ", ".join(str(s) for s in schools) or f"académie {academy_obj}"
        self.stdout.write(self.style.SUCCESS(f"Utilisateur {user.username} rattaché à : {where}"))
        self.stdout.write(f"  identifiant : {user.username}")
        # A password given on the command line is never echoed (terminal logs, CI output).
        self.stdout.write(
            f"  mot de passe : {generated}" if generated else "  mot de passe : celui indiqué (non affiché)"
        )
