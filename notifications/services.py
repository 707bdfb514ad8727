"""Sending the codes to families (SPEC C3, C5 "Notifier code", D2, D3 "Notifier"): who gets what.

The one place of the rules that split a mass notification:
- a guardian gets ONE message for all his selected children (the letter content groups them);
- with the mode "both", e-mail wins when the guardian has a checked e-mail address; a guardian
  without one gets a letter;
- a letter needs a postal address: without one the guardian is reported, never sent a blank
  letter; with the mode "email" alone, a guardian without an address is reported too;
- students (CAE) get letters only, handed out at school.
Nothing is sent when no service is open unless the caller confirms it explicitly (the letter
would list no service: the manual warns); the screens show the warning and a confirmation box.

What is sent is done by the letters job (`notifications.letters`) and the e-mail outbox
(`notifications.emails`): each records the notification date and mode of exactly the codes it
printed or that the SMTP server accepted. This module only decides and starts them, inside one
transaction (both are queued on commit), and keeps a "run" record (a finished `jobs.Job` of
kind `notify_run`) that the result page reads: its letters job, its e-mail batch, who was skipped.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from redis.exceptions import RedisError

from codes.selectors import Selection
from jobs.models import Job
from jobs.services import job_create, job_finish
from services.selectors import school_has_open_service
from siecle.models import GuardianLink, School, Student

from .batches import letters_job_start
from .content import guardian_letters
from .emails import emails_enqueue
from .selectors import (
    MODE_BOTH,
    MODE_EMAIL,
    MODE_LETTER,
    MODES,
    REFUSED_ALL,
    WHO_ALL,
    guardian_pairs_to_notify,
    students_to_notify,
)

RUN_KIND = "notify_run"

NOTHING_SELECTED = "Aucun couple élève / responsable n'existe pour cette sélection."
NO_STUDENT_SELECTED = "Aucun élève ne correspond à cette sélection."
NO_OPEN_SERVICE = (
    "Aucun téléservice n'est ouvert dans l'établissement : les codes envoyés n'annonceraient aucun service. "
    "Ouvrez au moins un service, ou confirmez l'envoi malgré tout."
)
REASON_NO_ADDRESS = "pas d'adresse postale"
REASON_NO_EMAIL = "pas d'adresse électronique valide"


TASKS_UNAVAILABLE = (
    "Le service des envois ne répond pas pour le moment : rien n'a été envoyé. Réessayez dans quelques minutes."
)


class NotifyError(Exception):
    """A notification refused; its message is French and meant for the user."""


@dataclass(frozen=True)
class Skipped:
    """A guardian nothing was sent to, and why (in French)."""

    name: str
    reason: str


@dataclass
class NotifyOutcome:
    """What a notification started: the letters job (None when no letter), the e-mails queued, the skipped."""

    run: Job
    letters_job: Job | None = None
    letters: int = 0
    emails: int = 0
    batch: uuid.UUID | None = None
    skipped: list[Skipped] = field(default_factory=list)


def _check_service(school: School, confirmed_without_service: bool) -> None:
    if not confirmed_without_service and not school_has_open_service(school=school):
        raise NotifyError(NO_OPEN_SERVICE)


class AlreadySent(NotifyError):
    """The same "Notifier" form was posted again (double click, second tab, back and resend)."""

    def __init__(self, run: Job | None):
        super().__init__(
            "Cet envoi a déjà été lancé : voici son résultat."
            if run
            else "Cet envoi est déjà en cours : attendez son résultat avant de notifier à nouveau."
        )
        self.run = run


# How long a "Notifier" form's token keeps a second post of the same form from sending twice.
TOKEN_TTL = 24 * 60 * 60


def notification_run_of(*, school: School, token: uuid.UUID) -> Job | None:
    return Job.objects.filter(school=school, kind=RUN_KIND, params__token=str(token)).first()


class _Once:
    """Claim a form's token for one send: a second post of the same form raises AlreadySent.

    The claim is an atomic cache add (Redis in production), so two posts at the same instant
    cannot both send; a send refused with NotifyError frees the token for a corrected retry.
    While the cache does not answer (Redis down: the task queue is down too), the send is
    refused with a French NotifyError and nothing is written.
    """

    def __init__(self, school: School, token: uuid.UUID | None):
        self.school, self.token = school, token
        self.key = f"notifications:token:{token}"

    def __enter__(self):
        if self.token is None:
            return self
        run = notification_run_of(school=self.school, token=self.token)
        if run is not None:
            raise AlreadySent(run)
        try:
            claimed = cache.add(self.key, 1, timeout=TOKEN_TTL)
        except (RedisError, OSError) as error:
            raise NotifyError(TASKS_UNAVAILABLE) from error
        if not claimed:
            raise AlreadySent(notification_run_of(school=self.school, token=self.token))
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.token is not None and exc_type is not None:
            try:
                cache.delete(self.key)
            except (RedisError, OSError):  # the token then lasts TOKEN_TTL: a new form has a new one
                pass
        return False


def _run_record(*, school: School, by, who: str, outcome: NotifyOutcome, token: uuid.UUID | None = None) -> Job:
    """The finished "run" job the result page reads (tenancy by its school)."""
    params = {"who": who} | ({"token": str(token)} if token else {})
    run = job_create(school=school, kind=RUN_KIND, created_by=by, params=params)
    result = {
        "letters_job": str(outcome.letters_job.pk) if outcome.letters_job else None,
        "letters": outcome.letters,
        "emails": outcome.emails,
        "batch": str(outcome.batch) if outcome.batch else None,
        "skipped": [[s.name, s.reason] for s in outcome.skipped],
    }
    job_finish(job_id=run.pk, result=result)
    run.refresh_from_db()
    return run


def _split_guardians(*, school: School, pairs: Sequence[tuple[int, int]], mode: str):
    """(e-mail link ids, letter link ids, skipped) for (link_id, guardian_id) pairs."""
    links_of: dict[int, list[int]] = {}
    for link_id, guardian_id in pairs:
        links_of.setdefault(guardian_id, []).append(link_id)
    email_links: list[int] = []
    letter_links: list[int] = []
    letters_count = 0
    skipped: list[Skipped] = []
    for letter in guardian_letters(school=school, link_ids=[p[0] for p in pairs]):
        links = links_of.get(letter.guardian_id, [])
        if mode in (MODE_EMAIL, MODE_BOTH) and letter.email:
            email_links.extend(links)
        elif mode == MODE_EMAIL:
            skipped.append(Skipped(letter.addressee, REASON_NO_EMAIL))
        elif letter.postal_lines:
            letter_links.extend(links)
            letters_count += 1
        else:
            skipped.append(Skipped(letter.addressee, REASON_NO_ADDRESS))
    return email_links, letter_links, letters_count, skipped


def _send(
    *, school: School, pairs: Sequence[tuple[int, int]], mode: str, by, who: str, token: uuid.UUID | None = None
) -> NotifyOutcome:
    email_links, letter_links, letters_count, skipped = _split_guardians(school=school, pairs=pairs, mode=mode)
    with transaction.atomic():
        outcome = NotifyOutcome(run=None, skipped=skipped)  # type: ignore[arg-type]
        if email_links:
            # The form's token is the e-mail batch: the outbox adds one message per guardian and batch.
            outcome.batch = token or uuid.uuid4()
            outcome.emails = emails_enqueue(school=school, link_ids=email_links, by=by, batch=outcome.batch)
        if letter_links:
            outcome.letters_job = letters_job_start(school=school, kind="car", ids=letter_links, by=by)
            outcome.letters = letters_count
        outcome.run = _run_record(school=school, by=by, who=who, outcome=outcome, token=token)
    return outcome


def notify_guardians(
    *,
    school: School,
    selection: Selection,
    ranks: Sequence[int],
    who: str,
    mode: str,
    by,
    confirmed_without_service: bool = False,
    token: uuid.UUID | None = None,
) -> NotifyOutcome:
    """C3 "Notifier": send the valid CARs of the selected pairs by e-mail and/or letter.

    Raises NotifyError (French) when nothing matches or no service is open without confirmation,
    AlreadySent when the form of `token` was already sent.
    """
    if mode not in MODES:
        raise NotifyError("Choisissez le mode de transmission : courriel, courrier ou les deux.")
    with _Once(school, token):
        _check_service(school, confirmed_without_service)
        pairs = list(
            guardian_pairs_to_notify(school=school, selection=selection, ranks=ranks, who=who)
            .order_by()
            .values_list("pk", "guardian_id")
        )
        if not pairs:
            raise NotifyError(NOTHING_SELECTED)
        return _send(school=school, pairs=pairs, mode=mode, by=by, who="guardians", token=token)


def notify_students(
    *,
    school: School,
    selection: Selection,
    who: str = WHO_ALL,
    refused: str = REFUSED_ALL,
    by,
    confirmed_without_service: bool = False,
    token: uuid.UUID | None = None,
) -> NotifyOutcome:
    """D2 "Notifier": one letter per selected student (paper only), in one PDF."""
    with _Once(school, token):
        _check_service(school, confirmed_without_service)
        ids = list(
            students_to_notify(school=school, selection=selection, who=who, refused=refused)
            .order_by()
            .values_list("pk", flat=True)
        )
        if not ids:
            raise NotifyError(NO_STUDENT_SELECTED)
        return _student_letters(school=school, student_ids=ids, by=by, token=token)


def _student_letters(*, school: School, student_ids: list[int], by, token: uuid.UUID | None = None) -> NotifyOutcome:
    with transaction.atomic():
        outcome = NotifyOutcome(run=None)  # type: ignore[arg-type]
        outcome.letters_job = letters_job_start(school=school, kind="cae", ids=student_ids, by=by)
        outcome.letters = len(student_ids)
        outcome.run = _run_record(school=school, by=by, who="students", outcome=outcome, token=token)
    return outcome


# --- One pair, one student: "Notifier code" (C5, D3) -------------------------------------------


def notify_pair(*, link: GuardianLink, mode: str, by) -> NotifyOutcome:
    """C5 "Notifier code": send the pair's valid CAR by e-mail or letter (repeatable).

    Refused, in French: no valid code (or access refused), e-mail without a usable address,
    letter without a postal address.
    """
    if mode not in (MODE_EMAIL, MODE_LETTER):
        raise NotifyError("Choisissez le courriel ou le courrier.")
    school = link.student.school
    letters = guardian_letters(school=school, link_ids=[link.pk])
    if not letters or not letters[0].children:
        raise NotifyError("Ce couple n'a pas de code valide à notifier.")
    letter = letters[0]
    if mode == MODE_EMAIL and not letter.email:
        raise NotifyError("Le responsable n'a pas d'adresse électronique valide : choisissez le courrier.")
    if mode == MODE_LETTER and not letter.postal_lines:
        raise NotifyError("Le responsable n'a pas d'adresse postale : choisissez le courriel.")
    return _send(school=school, pairs=[(link.pk, link.guardian_id)], mode=mode, by=by, who="pair")


def notify_student(*, student: Student, by) -> NotifyOutcome:
    """D3 "Notifier": the student's letter with his valid CAE; he then counts as notified."""
    if (
        not students_to_notify(school=student.school, selection=Selection(), who=WHO_ALL, refused=REFUSED_ALL)
        .filter(pk=student.pk)
        .exists()
    ):
        raise NotifyError("Cet élève n'a pas de code valide à notifier.")
    return _student_letters(school=student.school, student_ids=[student.pk], by=by)


__all__ = [
    "MODE_BOTH",
    "MODE_EMAIL",
    "MODE_LETTER",
    "NotifyError",
    "NotifyOutcome",
    "Skipped",
    "notify_guardians",
    "notify_pair",
    "notify_student",
    "notify_students",
]
