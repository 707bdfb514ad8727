import shutil
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from codes.selectors import Selection
from jobs.models import Job, JobState
from notifications import services
from notifications.emails import emails_batch_counts
from notifications.selectors import GUARDIAN_WHO, MODES, STUDENT_WHO
from siecle.models import LEGAL_RANKS, Division, Mef, School
from tsadmin.commands import FrenchRefusalCommand

POLL_SECONDS = 0.5


class Command(FrenchRefusalCommand):
    help = (
        "Send the valid activation codes of one school, as the 'Notifier en masse' screens do: to the legal "
        "guardians (CAR, by e-mail and/or letter) or to the students (CAE, letters). Runs in the foreground: "
        "returns when every letter is written and every e-mail handed to the SMTP server or queued for retry, "
        "then prints what was sent, written and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--uaj", required=True, help="the school")
        parser.add_argument("--guardians", action="store_true", help="notify the legal guardians (CAR)")
        parser.add_argument("--students", action="store_true", help="notify the students (CAE, letters only)")
        parser.add_argument("--mef", help="only the students of this MEF code")
        parser.add_argument("--division", help="only the students of this division code")
        parser.add_argument("--legal", action="append", help="legal rank 1 or 2 (repeat for both; default both)")
        parser.add_argument("--who", default="new", help="new (default), no-account (guardians only) or all")
        parser.add_argument("--mode", default=None, help="email, letter or both (guardians; default both)")
        parser.add_argument("--output", help="copy the letters' PDF to this file")
        parser.add_argument(
            "--allow-no-service", action="store_true", help="send even though no téléservice is open in the school"
        )
        parser.add_argument("--timeout", type=int, default=None, help="seconds to wait for the letters and e-mails")

    def _refuse(self, message: str):
        raise CommandError(message, returncode=2)

    def handle(self, *args, **options):
        school = School.objects.select_related("academy").filter(uaj=(options["uaj"] or "").strip().upper()).first()
        if school is None:
            self._refuse(f"Établissement inconnu : {options['uaj']}.")
        if options["guardians"] == options["students"]:
            self._refuse("Choisissez --guardians (responsables) ou --students (élèves).")
        selection = self._selection(school, options)
        output = Path(options["output"]) if options["output"] else None
        if output is not None and not output.parent.is_dir():
            self._refuse(f"Le dossier de --output n'existe pas : {output.parent}.")
        try:
            if options["guardians"]:
                outcome = self._guardians(school, selection, options)
            else:
                outcome = self._students(school, selection, options)
        except services.NotifyError as exc:
            self._refuse(str(exc))
        timeout = options["timeout"] or settings.CELERY_TASK_TIME_LIMIT + 60
        deadline = time.monotonic() + timeout
        self._report_letters(outcome, output, deadline)
        self._report_emails(outcome, deadline)
        for name, reason in ((s.name, s.reason) for s in outcome.skipped):
            self.stdout.write(f"Non notifié : {name} ({reason})")
        if outcome.skipped:
            self.stdout.write(f"{len(outcome.skipped)} responsable(s) non notifié(s).")

    def _selection(self, school: School, options) -> Selection:
        if options["mef"] and options["division"]:
            self._refuse("Choisissez --mef ou --division, pas les deux.")
        if options["mef"]:
            mef = Mef.objects.filter(school=school, code=options["mef"]).first()
            if mef is None:
                self._refuse(f"MEF inconnu dans l'établissement : {options['mef']}.")
            return Selection(mef=mef)
        if options["division"]:
            division = Division.objects.filter(school=school, code=options["division"]).first()
            if division is None:
                self._refuse(f"Division inconnue dans l'établissement : {options['division']}.")
            return Selection(division=division)
        return Selection()

    def _guardians(self, school, selection, options):
        ranks = []
        for value in options["legal"] or ["1", "2"]:
            if str(value) not in ("1", "2"):
                self._refuse(f"--legal vaut 1 ou 2, pas {value}.")
            ranks.append(int(value))
        ranks = [r for r in LEGAL_RANKS if r in ranks]
        if options["who"] not in GUARDIAN_WHO:
            self._refuse(f"--who vaut new, no-account ou all, pas {options['who']}.")
        mode = options["mode"] or "both"
        if mode not in MODES:
            self._refuse(f"--mode vaut email, letter ou both, pas {mode}.")
        return services.notify_guardians(
            school=school,
            selection=selection,
            ranks=ranks,
            who=options["who"],
            mode=mode,
            by=None,
            confirmed_without_service=options["allow_no_service"],
        )

    def _students(self, school, selection, options):
        if options["legal"]:
            self._refuse("--legal ne concerne que les responsables (--guardians).")
        if options["mode"] not in (None, "letter"):
            self._refuse("Les élèves ne sont notifiés que par courrier : --mode letter ou rien.")
        if options["who"] not in STUDENT_WHO:
            self._refuse(f"Pour les élèves, --who vaut new ou all, pas {options['who']}.")
        return services.notify_students(
            school=school,
            selection=selection,
            who=options["who"],
            by=None,
            confirmed_without_service=options["allow_no_service"],
        )

    def _report_letters(self, outcome, output: Path | None, deadline: float) -> None:
        if outcome.letters_job is None:
            self.stdout.write("Courriers : aucun.")
            return
        job = outcome.letters_job
        while True:
            job = Job.objects.get(pk=job.pk)
            if job.is_finished or time.monotonic() > deadline:
                break
            time.sleep(POLL_SECONDS)
        if job.state != JobState.DONE:
            why = job.message or "délai dépassé"
            raise CommandError(f"Les courriers n'ont pas été écrits ({why}) ; aucun n'est compté comme notifié.")
        result = job.result or {}
        pdf = Path(settings.NOTIFICATIONS_DIR) / str(result.get("pdf", ""))
        written = pdf
        if output is not None and pdf.is_file():
            shutil.copyfile(pdf, output)
            written = output
        self.stdout.write(
            f"Courriers : {result.get('letters', 0)} courrier(s), {result.get('codes', 0)} code(s) notifié(s), "
            f"écrits dans {written}."
        )
        if result.get("skipped_no_address"):
            self.stdout.write(f"Courriers non écrits faute d'adresse postale : {result['skipped_no_address']}.")

    def _report_emails(self, outcome, deadline: float) -> None:
        if outcome.batch is None:
            self.stdout.write("Courriels : aucun.")
            return
        batch = uuid.UUID(str(outcome.batch))
        counts = emails_batch_counts(batch=batch)
        while counts.get("queued", 0) and time.monotonic() <= deadline:
            time.sleep(POLL_SECONDS)
            counts = emails_batch_counts(batch=batch)
        self.stdout.write(
            f"Courriels : {outcome.emails} à envoyer ; {counts.get('sent', 0)} envoyé(s), "
            f"{counts.get('retrying', 0)} en attente d'un nouvel essai, {counts.get('failed', 0)} en échec, "
            f"{counts.get('queued', 0)} encore en file."
        )
