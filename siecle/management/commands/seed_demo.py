import time

from django.core.management.base import BaseCommand, CommandError

from siecle.demo import create_demo_academy
from siecle.models import School


class Command(BaseCommand):
    help = "Create a realistic demo academy: schools, MEFs, divisions, students, families."

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=3, help="number of schools to create (default 3)")
        parser.add_argument("--students", type=int, default=300, help="students per school (default 300)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed, for repeatable data")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when the SIECLE base already has schools"
        )

    def handle(self, *args, schools: int, students: int, seed: int, if_empty: bool, **options):
        if schools < 1 or students < 1:
            raise CommandError("--schools et --students doivent être au moins 1.")
        if if_empty and School.objects.exists():
            self.stdout.write("La base SIECLE contient déjà des établissements : rien à faire.")
            return
        started = time.monotonic()
        step = max(1, schools // 20)

        def progress(done: int, total: int) -> None:
            if done % step == 0 or done == total:
                self.stdout.write(f"  {done}/{total} établissements ({time.monotonic() - started:.0f} s)")

        report = create_demo_academy(schools=schools, students_per_school=students, seed=seed, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(f"Académie de démonstration créée en {time.monotonic() - started:.1f} s :")
        )
        for line in report.lines():
            self.stdout.write(f"  {line}")
        self.stdout.write(f"  premier établissement : {report.school_uajs[0]}")
