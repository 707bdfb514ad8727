from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from siecle.models import Academy, School
from staff.models import Role
from staff.services import staff_user_create_or_update


class Command(BaseCommand):
    help = (
        "Create a staff user and attach him to schools by UAJ, or to a whole academy with --academy. "
        "Prints the login and the password; the password is issued by IT: the user must change it at his "
        "first sign-in. An existing login is changed only with --update (attach more schools) and/or "
        "--reset-password (a new password). --role gives his role in the given schools (chef by default for a new "
        "membership); academy staff are read-only unless --academy-write."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="login of the user")
        parser.add_argument("--uaj", action="append", default=[], help="UAJ of a school he manages (repeatable)")
        parser.add_argument("--first-school", action="store_true", help="attach him to the first school (demo)")
        parser.add_argument("--academy", help="code of an academy whose schools he all sees (IT staff)")
        parser.add_argument(
            "--role",
            choices=Role.values,
            help="his role in the given schools: chef (everything), adjoint (all but opening services and "
            "imports), consultation (read-only, no code value); default: chef for a new membership, unchanged "
            "for an existing one",
        )
        parser.add_argument(
            "--academy-write",
            action="store_true",
            default=None,
            help="with --academy: may act in the academy's schools like a head (default: read-only)",
        )
        parser.add_argument(
            "--academy-read-only",
            dest="academy_write",
            action="store_false",
            help="with --academy: take the writing right back (read-only)",
        )
        parser.add_argument("--password", help="password to set (default: a new random one, printed)")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--update", action="store_true", help="the login exists: attach him to the given schools or academy"
        )
        parser.add_argument(
            "--reset-password", action="store_true", help="the login exists: give him a new password (to change)"
        )

    def handle(
        self,
        *args,
        username,
        uaj,
        first_school,
        academy,
        password,
        email,
        update,
        reset_password,
        role=None,
        academy_write=None,
        **options,
    ):
        schools = []
        for code in uaj:
            school = School.objects.filter(uaj=code.strip().upper()).first()
            if school is None:
                raise CommandError(f"Établissement inconnu : {code}", returncode=2)
            schools.append(school)
        if first_school:
            school = School.objects.order_by("uaj").first()
            if school is None:
                raise CommandError(
                    "Aucun établissement dans la base SIECLE : lancez d'abord seed_demo ou import_siecle.", returncode=2
                )
            schools.append(school)
        academy_obj = None
        if academy:
            academy_obj = Academy.objects.filter(code=academy).first()
            if academy_obj is None:
                raise CommandError(f"Académie inconnue : {academy}", returncode=2)
        if role and not schools:
            raise CommandError("--role demande au moins un établissement (--uaj).", returncode=2)
        if academy_write is not None and academy_obj is None:
            raise CommandError("--academy-write et --academy-read-only demandent --academy.", returncode=2)
        exists = get_user_model().objects.filter(username=username).exists()
        if exists and not (update or reset_password):
            raise CommandError(
                f"L'identifiant {username} existe déjà : rien n'a été modifié. Ajoutez --update pour le rattacher "
                "à d'autres établissements, --reset-password pour lui donner un nouveau mot de passe.",
                returncode=2,
            )
        if not exists and (update or reset_password):
            raise CommandError(f"L'identifiant {username} n'existe pas : rien n'a été modifié.", returncode=2)
        if not schools and academy_obj is None and not reset_password:
            raise CommandError("Indiquez au moins un établissement (--uaj) ou une académie (--academy).", returncode=2)
        if password is not None and exists and not reset_password:
            raise CommandError("--password sur un identifiant existant demande --reset-password.", returncode=2)
        try:
            user, generated = staff_user_create_or_update(
                username=username,
                password=password,
                schools=schools,
                academy=academy_obj,
                email=email,
                set_password=not exists or reset_password,
                must_change_password=True,
                role=role,
                academy_can_write=academy_write,
            )
        except ValidationError as refused:
            raise CommandError(
                "Mot de passe refusé, rien n'a été modifié : " + " ".join(refused.messages), returncode=2
            ) from refused
        where = ", ".join(str(s) for s in schools) or (f"académie {academy_obj}" if academy_obj else "")
        if role and schools:
            where += f" (rôle : {Role(role).label})"
        if where:
            self.stdout.write(self.style.SUCCESS(f"Utilisateur {user.username} rattaché à : {where}"))
        self.stdout.write(f"  identifiant : {user.username}")
        if exists and not reset_password:
            self.stdout.write("  mot de passe : inchangé")
            return
        # A password given on the command line is never echoed (terminal logs, CI output).
        self.stdout.write(
            f"  mot de passe : {generated}" if generated else "  mot de passe : celui indiqué (non affiché)"
        )
        self.stdout.write("  (à changer par l'utilisateur à sa première connexion)")
