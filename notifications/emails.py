"""The e-mails that hand the CAR codes to guardians (SPEC C3, C5 "Notifier code"), and their outbox.

- `emails_enqueue`: one outbox row per guardian who has a checked e-mail address and at least
  one selected pair holding a valid CAR; the row names links and codes by id (never a code
  value); its sending task is queued once the transaction commits.
- `outbox_send`: what the sending task does. Each row is claimed by a conditional UPDATE
  (queued/retrying -> sending), so two deliveries of the same task never send twice; the body
  is rendered then from `notifications.content`, sent through the configured backend (Django's
  SMTP backend in production), and on acceptance the row turns "sent" and the codes are
  recorded as notified (mode Mél) in one transaction. A temporary failure (server unreachable,
  4xx) is tried again later with an exponential backoff; a permanent one (5xx, refused or
  invalid recipient) fails the row with a French reason, and the pair stays unnotified.
- `outbox_sweep` (Celery beat): queues again the retries that are due, the rows a killed
  worker left in "sending" past a timeout, and the queued rows whose task was lost.
- `emails_batch_counts`, `emails_batch_failures`: how a batch stands, what failed and why.

Delivery is at least once: a worker killed between the SMTP server's acceptance and the
commit leaves its row in "sending", and the sweep sends it again; every message carries a
Message-ID derived from its outbox row, the same at each attempt, so a duplicate can be
recognised downstream.

Headers are made only of checked values: the recipient passes `content.checked_email` (one
plain address, no CR/LF, no list), the Reply-To is the school's contact or first address
checked the same way, the subject is built from the school's name with every line break
removed. A guardian's address that fails the check gets no message.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from codes.models import NotificationMode
from codes.services import codes_notification_record
from services.selectors import contact_link
from siecle.models import School

from . import content
from .models import OutboxMessage, OutboxState

logger = logging.getLogger(__name__)

SUBJECT = "Vos codes d'accès aux services en ligne de {school}"
CLAIMABLE = (OutboxState.QUEUED, OutboxState.RETRYING)
NO_VALID_CODE = "Plus aucun code valide à envoyer pour ce responsable : message non envoyé."
INVALID_RECIPIENT = "Adresse électronique invalide : message non envoyé."
INTERRUPTED = "Envoi interrompu (processus de tâches arrêté) : nouvel essai."


# --- Checked header values ------------------------------------------------------------------


def header_text(value: str, *, limit: int = 200) -> str:
    """A one-line header value: every control character (CR, LF, tab...) becomes a space."""
    cleaned = "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in value or "")
    return " ".join(cleaned.split())[:limit]


def school_reply_to(*, school: School) -> str:
    """The school's address families may answer to: the contact address (B8), else its first e-mail."""
    for candidate in (contact_link(school=school).email, school.email1, *school.emails):
        address = content.checked_email(candidate)
        if address:
            return address
    return ""


def email_subject(*, school: School) -> str:
    return header_text(SUBJECT.format(school=header_text(school.name)))


# --- Enqueue ----------------------------------------------------------------------------------


def _idempotency_key(batch: uuid.UUID, guardian_id: int) -> str:
    return f"{batch}:{guardian_id}"


def emails_enqueue(*, school: School, link_ids: list[int], by, batch: uuid.UUID | None = None) -> int:
    """Queue one e-mail per guardian of these pairs who has a checked address and a valid CAR.

    A guardian's pairs are all in his one message. Rows are keyed by (batch, guardian): calling
    again with the same batch adds nothing for a guardian already queued in it. The sending
    tasks are queued when the transaction commits. Returns the number of messages queued by
    this call.
    """
    batch = batch or uuid.uuid4()
    letters = content.guardian_letters(school=school, link_ids=link_ids)
    wanted = {}
    selected = set(int(i) for i in link_ids)
    for letter in letters:
        recipient = content.checked_email(letter.email)
        if not recipient or not letter.children:
            continue
        key = _idempotency_key(batch, letter.guardian_id)
        wanted[key] = (letter, recipient)
    if not wanted:
        return 0
    link_of_code = _links_of_codes([c.code_id for letter, _ in wanted.values() for c in letter.children])
    reply_to = school_reply_to(school=school)
    subject = email_subject(school=school)
    by_id = getattr(by, "pk", None)
    with transaction.atomic():
        existing = set(
            OutboxMessage.objects.filter(idempotency_key__in=list(wanted)).values_list("idempotency_key", flat=True)
        )
        new = [
            OutboxMessage(
                school=school,
                guardian_id=letter.guardian_id,
                link_ids=sorted(
                    link_of_code[c.code_id] for c in letter.children if link_of_code[c.code_id] in selected
                ),
                code_ids=[c.code_id for c in letter.children],
                recipient=recipient,
                reply_to=reply_to,
                subject=subject,
                idempotency_key=key,
                batch=batch,
                created_by_id=by_id,
            )
            for key, (letter, recipient) in wanted.items()
            if key not in existing
        ]
        OutboxMessage.objects.bulk_create(new, ignore_conflicts=True)
        ids = list(
            OutboxMessage.objects.filter(
                idempotency_key__in=[m.idempotency_key for m in new], state=OutboxState.QUEUED
            ).values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: outbox_dispatch(message_ids=ids))
    return len(ids)


def _links_of_codes(code_ids: list[int]) -> dict[int, int]:
    from codes.models import ActivationCode

    return dict(ActivationCode.objects.filter(pk__in=code_ids).values_list("pk", "link_id"))


def outbox_dispatch(*, message_ids: Sequence[int]) -> None:
    """Queue the sending tasks of these rows, a few messages per task (ids only).

    When the task queue does not answer (broker down), the rows stay queued and nothing is
    raised: `outbox_sweep` queues them again once EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS passed.
    """
    from .tasks_mail import outbox_send_task

    size = max(1, settings.EMAIL_OUTBOX_BATCH_SIZE)
    ids = sorted(message_ids)
    for start in range(0, len(ids), size):
        try:
            outbox_send_task.delay(ids[start : start + size])
        except KombuOperationalError:
            logger.warning("outbox: the task queue does not answer; %d message(s) left to the sweep", len(ids) - start)
            return


def emails_batch_counts(*, batch: uuid.UUID) -> dict[str, int]:
    """How the messages of a batch stand: queued (waiting or being sent), sent, failed, retrying."""
    counts = dict(
        OutboxMessage.objects.filter(batch=batch).values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    return {
        "queued": counts.get(OutboxState.QUEUED, 0) + counts.get(OutboxState.SENDING, 0),
        "sent": counts.get(OutboxState.SENT, 0),
        "failed": counts.get(OutboxState.FAILED, 0),
        "retrying": counts.get(OutboxState.RETRYING, 0),
    }


@dataclass(frozen=True)
class FailedEmail:
    guardian_id: int | None
    recipient: str
    reason: str


def emails_batch_failures(*, batch: uuid.UUID, limit: int = 200) -> list[FailedEmail]:
    """The messages of a batch that failed for good, with their French reason (one query)."""
    rows = (
        OutboxMessage.objects.filter(batch=batch, state=OutboxState.FAILED)
        .order_by("recipient", "pk")
        .values_list("guardian_id", "recipient", "last_error")[:limit]
    )
    return [FailedEmail(guardian_id, recipient, reason) for guardian_id, recipient, reason in rows]


# --- Sending ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendFailure:
    permanent: bool
    reason: str  # French, for the school; never a code value


def classify_failure(exc: BaseException) -> SendFailure:
    """Temporary (tried again later) or permanent (the row fails), with a French reason."""
    code: int | None = None
    if isinstance(exc, ValueError):  # an address or header the backend cannot encode
        return SendFailure(True, INVALID_RECIPIENT)
    if isinstance(exc, smtplib.SMTPAuthenticationError | smtplib.SMTPSenderRefused):
        # The server refuses our account or sender address: a setting to fix, the same for every
        # message; they are tried again (and fail after the last attempt), never dropped at once.
        return SendFailure(
            False, f"Expéditeur refusé par le serveur de messagerie (code {exc.smtp_code}) : nouvel essai prévu."
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [c for c, _ in exc.recipients.values()]
        code = max(codes) if codes else None
        if code is not None and code >= 500:
            return SendFailure(True, f"Adresse refusée par le serveur de messagerie (code {code}).")
    elif isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
    if code is not None and 500 <= code < 600:
        return SendFailure(True, f"Message refusé par le serveur de messagerie (code {code}).")
    if code is not None:
        return SendFailure(False, f"Refus temporaire du serveur de messagerie (code {code}) : nouvel essai prévu.")
    return SendFailure(False, "Serveur de messagerie injoignable : nouvel essai prévu.")


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff: base, 2x base, 4x base... capped at one hour."""
    base = settings.EMAIL_OUTBOX_RETRY_BASE_SECONDS
    return datetime.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def _claim(message_ids: Iterable[int], now: datetime.datetime) -> list[OutboxMessage]:
    """Move the claimable rows among these to "sending" and return them; rows another worker holds are skipped."""
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(due, pk__in=list(message_ids), state__in=CLAIMABLE)
            .values_list("pk", flat=True)
        )
        OutboxMessage.objects.filter(pk__in=ids, state__in=CLAIMABLE).update(
            state=OutboxState.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
        )
    return list(
        OutboxMessage.objects.filter(pk__in=ids, state=OutboxState.SENDING).select_related(
            "school__academy", "created_by"
        )
    )


def _letters_for(rows: list[OutboxMessage]) -> dict[int, content.GuardianLetter | None]:
    """The letter of each row, read with one `guardian_letters` call per school (and per repeated guardian)."""
    groups: dict[tuple[int, int], list[OutboxMessage]] = defaultdict(list)
    for row in rows:
        round_ = 0
        while any(other.guardian_id == row.guardian_id for other in groups[(row.school_id, round_)]):
            round_ += 1
        groups[(row.school_id, round_)].append(row)
    found: dict[int, content.GuardianLetter | None] = {}
    for group in groups.values():
        school = group[0].school
        letters = {
            letter.guardian_id: letter
            for letter in content.guardian_letters(school=school, link_ids=[i for row in group for i in row.link_ids])
        }
        for row in group:
            found[row.pk] = letters.get(row.guardian_id)
    return found


def email_message(*, row: OutboxMessage, letter: content.GuardianLetter) -> EmailMultiAlternatives:
    """The message of one outbox row: text and HTML parts, headers from checked values only."""
    context = {"letter": letter, "reply_to": row.reply_to}
    text = render_to_string("notifications/emails/guardian_codes.txt", context)
    html = render_to_string("notifications/emails/guardian_codes.html", context)
    headers = {"Message-ID": f"<outbox-{row.pk}.{row.batch.hex}@{_message_id_domain()}>"}
    message = EmailMultiAlternatives(
        subject=header_text(row.subject),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.recipient],
        reply_to=[row.reply_to] if content.checked_email(row.reply_to) else [],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def _message_id_domain() -> str:
    address = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >")
    return header_text(address) or "teleservices.invalid"


def _mark_failed(row: OutboxMessage, reason: str, now: datetime.datetime) -> None:
    OutboxMessage.objects.filter(pk=row.pk, state=OutboxState.SENDING).update(
        state=OutboxState.FAILED, last_error=reason[:300], updated_at=now, next_attempt_at=None
    )


def _mark_retry(row: OutboxMessage, failure: SendFailure, now: datetime.datetime) -> str:
    if row.attempts >= settings.EMAIL_OUTBOX_MAX_ATTEMPTS:
        reason = f"Serveur de messagerie indisponible après {row.attempts} essais : message non envoyé."
        _mark_failed(row, reason, now)
        return OutboxState.FAILED
    OutboxMessage.objects.filter(pk=row.pk, state=OutboxState.SENDING).update(
        state=OutboxState.RETRYING,
        last_error=failure.reason[:300],
        next_attempt_at=now + retry_delay(row.attempts),
        updated_at=now,
    )
    return OutboxState.RETRYING


def _mark_sent(row: OutboxMessage, letter: content.GuardianLetter, now: datetime.datetime) -> None:
    """Accepted by the server: the row is sent and its codes notified (mode Mél), in one transaction."""
    with transaction.atomic():
        updated = OutboxMessage.objects.filter(pk=row.pk, state=OutboxState.SENDING).update(
            state=OutboxState.SENT, sent_at=now, code_ids=letter.code_ids, last_error="", updated_at=now
        )
        if updated:
            codes_notification_record(
                school=row.school,
                code_ids=letter.code_ids,
                mode=NotificationMode.EMAIL,
                by=row.created_by,
                at=now,
                on=timezone.localdate(now),
            )


def outbox_send(*, message_ids: Sequence[int]) -> dict[str, int]:
    """Send the claimable messages among these ids; returns how many were sent, retried, failed.

    Safe to run twice or concurrently: a row is sent only by the run that claimed it.
    """
    outcome = {"sent": 0, "retrying": 0, "failed": 0}
    rows = _claim(message_ids, timezone.now())
    if not rows:
        return outcome
    letters = _letters_for(rows)
    connection = None
    try:
        for row in rows:
            now = timezone.now()
            letter = letters.get(row.pk)
            recipient = content.checked_email(row.recipient)
            if letter is None or not letter.children:
                _mark_failed(row, NO_VALID_CODE, now)
                outcome["failed"] += 1
                continue
            if not recipient:
                _mark_failed(row, INVALID_RECIPIENT, now)
                outcome["failed"] += 1
                continue
            try:
                if connection is None:
                    connection = get_connection(fail_silently=False)
                connection.send_messages([email_message(row=row, letter=letter)])
            except (smtplib.SMTPException, OSError, ValueError) as exc:
                failure = classify_failure(exc)
                logger.warning("outbox: message %s not sent: %s", row.pk, failure.reason)
                connection = _drop(connection)
                if failure.permanent:
                    _mark_failed(row, failure.reason, timezone.now())
                    outcome["failed"] += 1
                else:
                    outcome[_mark_retry(row, failure, timezone.now())] += 1
                continue
            _mark_sent(row, letter, timezone.now())
            outcome["sent"] += 1
    finally:
        _drop(connection)
    return outcome


def _drop(connection) -> None:
    """Close a backend connection after a failure (a half-open SMTP session is never reused)."""
    if connection is not None:
        try:
            connection.close()
        except (smtplib.SMTPException, OSError):
            logger.debug("outbox: closing the SMTP connection failed", exc_info=True)
    return None


def outbox_sweep(*, now: datetime.datetime | None = None) -> int:
    """Queue again what is due: retries whose time came, rows stuck in "sending", lost queued rows.

    A row left in "sending" longer than EMAIL_OUTBOX_SENDING_TIMEOUT_SECONDS (longer than any
    sending task may run) belongs to a worker that died. A queued row untouched for
    EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS may have lost its task (a worker killed with the message
    prefetched). All go back to "queued" and get a new task; the claim makes a task delivered
    twice harmless. Returns the number of rows queued again.
    """
    now = now or timezone.now()
    stuck = OutboxMessage.objects.filter(
        state=OutboxState.SENDING,
        claimed_at__lt=now - datetime.timedelta(seconds=settings.EMAIL_OUTBOX_SENDING_TIMEOUT_SECONDS),
    )
    due = OutboxMessage.objects.filter(state=OutboxState.RETRYING, next_attempt_at__lte=now)
    lost = OutboxMessage.objects.filter(
        state=OutboxState.QUEUED,
        updated_at__lt=now - datetime.timedelta(seconds=settings.EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS),
    )
    with transaction.atomic():
        ids = sorted(
            {
                *stuck.values_list("pk", flat=True),
                *due.values_list("pk", flat=True),
                *lost.values_list("pk", flat=True),
            }
        )
        if not ids:
            return 0
        stuck.filter(pk__in=ids).update(
            state=OutboxState.QUEUED, next_attempt_at=None, last_error=INTERRUPTED, updated_at=now
        )
        due.filter(pk__in=ids).update(state=OutboxState.QUEUED, next_attempt_at=None, updated_at=now)
        lost.filter(pk__in=ids).update(updated_at=now)
        transaction.on_commit(lambda: outbox_dispatch(message_ids=ids))
    return len(ids)
