import datetime
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from demo.generator import create_demo_academy
from demo.lived import LivedYear, school_live_a_year
from services.catalogue import CATALOGUE
from services.models import NotesMode
from services.selectors import notes_couple_keys
from services.services import (
    letter_signatory_update,
    notes_dates_add,
    notes_mode_set,
    service_open,
    teleservices_activate,
)
from siecle.models import School

HEADS = ("Mme Claire Martin", "M. Karim Benali", "Mme Sophie Lefèvre", "M. Thomas Nguyen", "Mme Anne Morel")


class Command(BaseCommand):
    help = (
        "Create a realistic demo academy: schools, MEFs, divisions, students, families; every school but "
        "the last gets téléservices activated and a lived school year (codes, letters, refusals, accounts)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=3, help="number of schools to create (default 3)")
        parser.add_argument("--students", type=int, default=300, help="students per school (default 300)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed, for repeatable data")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when the SIECLE base already has schools"
        )
        parser.add_argument(
            "--closed",
            action="store_true",
            help="leave téléservices unactivated everywhere (default: activated in every school but the last, "
            "with the services each school can claim open and a lived school year)",
        )

    def handle(self, *args, schools: int, students: int, seed: int, if_empty: bool, closed: bool, **options):
        if settings.PRODUCTION:
            # Fake families and accounts (or a known user's new password) have no place in a real academy.
            raise CommandError("Commande de démonstration : refusée en production (TSADMIN_ENV=production).")
        if schools < 1 or students < 1:
            raise CommandError("--schools et --students doivent être au moins 1.")
        if if_empty and School.objects.exists():
            self.stdout.write("Démonstration : la base SIECLE contient déjà des établissements, rien à faire.")
            return
        verbose = options["verbosity"] >= 2
        started = time.monotonic()
        step = max(1, schools // 20)

        def progress(what: str, done: int, total: int) -> None:
            if verbose and (done % step == 0 or done == total):
                self.stdout.write(f"  {what} {done}/{total} ({time.monotonic() - started:.0f} s)")

        report = create_demo_academy(
            schools=schools,
            students_per_school=students,
            seed=seed,
            progress=lambda done, total: progress("établissements créés", done, total),
        )
        for index, school in enumerate(School.objects.filter(uaj__in=report.school_uajs).order_by("uaj")):
            letter_signatory_update(school=school, name=HEADS[index % len(HEADS)], by=None)  # printed on letters
        activated = [] if closed else (report.school_uajs[:-1] if schools > 1 else report.school_uajs)
        lived = LivedYear()
        for done, school in enumerate(School.objects.filter(uaj__in=activated).order_by("uaj"), start=1):
            self._open_services(school)
            if done == 2:  # the second school publishes its notes "à échéance"
                self._notes_deadlines(school)
            lived += school_live_a_year(school=school, seed=seed)
            progress("années vécues", done, len(activated))
        self._analyze()
        if verbose:
            for line in report.lines():
                self.stdout.write(f"  {line}")
        self.stdout.write(
            f"Démonstration : {report.schools} établissement(s) dont {len(activated)} avec téléservices activés, "
            f"{report.students} élèves, {lived.codes} codes CAR, {lived.notified} codes notifiés, "
            f"{lived.refusals} refus, {lived.accounts + lived.student_accounts} comptes, "
            f"{report.consultation.marks} notes, {report.consultation.absences} absences "
            f"({time.monotonic() - started:.1f} s)."
        )

    @staticmethod
    def _analyze() -> None:
        """Fresh statistics for the planner: lists and syntheses must not wait for autovacuum."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    @staticmethod
    def _notes_deadlines(school: School) -> None:
        """Notes "à échéance": half of the (MEF, division) couples had a deadline ten days ago (their
        evaluations published up to it are shown), every couple has one in three weeks."""
        notes_mode_set(school=school, mode=NotesMode.DEADLINE, by=None)
        couples = sorted(notes_couple_keys(school=school))
        today = timezone.localdate()
        start, end = school.school_year()
        passed = max(start, today - datetime.timedelta(days=10))
        coming = min(end, today + datetime.timedelta(days=21))
        if passed < today and couples[::2]:
            notes_dates_add(school=school, date=passed, couples=couples[::2], by=None)
        if coming > today and couples:
            notes_dates_add(school=school, date=coming, couples=couples, by=None)

    @staticmethod
    def _open_services(school: School) -> None:
        """Activate téléservices and open every service the school can claim, as a head would."""
        teleservices_activate(school=school, by=None)
        for service in CATALOGUE:
            if service.claimable_by(school):
                service_open(school=school, service=service.code, by=None)
