from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from codes import values
from codes.models import ActivationCode, CodeKind
from replication.models import Change
from services.selectors import teleservices_activated
from siecle.models import LEGAL_RANKS, Academy, School
from staff.services import staff_user_create_or_update


class Command(BaseCommand):
    help = (
        "Create the demo school head (or give him a new password): attached to the first school whose "
        "téléservices are activated and to the first one where they are not yet (the first-visit screen). "
        "Prints the login and the password."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="chef.demo", help="login (default chef.demo)")
        parser.add_argument(
            "--portal-url",
            default="",
            help="address of the local families' portal: the demo academy's letters and QR codes point there, "
            "and a code to try it is printed",
        )

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
        if options["portal_url"]:
            url = options["portal_url"].rstrip("/") + "/"
            Academy.objects.filter(pk=activated.academy_id if activated else None).update(teleservices_url=url)
            trial = _trial_code(activated)
            if trial is None and activated is not None:
                self.stdout.write("Code d'essai : lancez d'abord « manage.py replicate » (codes pas encore copiés).")
            if trial is not None:
                code, birth_date = trial
                self.stdout.write(
                    f"Code d'essai (parent) pour le portail : {values.display(code)}, "
                    f"enfant né le {birth_date:%d/%m/%Y}"
                )


def _trial_code(school):
    """A guardian's code that opens an account on the portal now: valid, copied down, unused.

    None while the school has changes the replication has not copied yet (the code might not be
    on the families' side).
    """
    if school is None or Change.objects.filter(school_id=school.pk).exists():
        return None
    code = (
        ActivationCode.objects.filter(
            school=school,
            kind=CodeKind.CAR,
            is_valid=True,
            account_id__isnull=True,
            used_at__isnull=True,
            student__has_left=False,
            student__birth_date__isnull=False,
            link__legal_rank__in=LEGAL_RANKS,
        )
        .exclude(link__access_refusals__isnull=False)
        .select_related("student")
        .order_by("pk")
        .first()
    )
    return (code.value, code.student.birth_date) if code else None
