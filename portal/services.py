"""Writes of the families' portal: keyword-only functions, each in one transaction.

Accounts, attachments, code attempts and the outbox (what goes back up to the SIECLE base)
are written here only (docs/teleservices-database.md "one writer per table").
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from .auth import password_hash
from .digests import code_digest
from .models import Account, Attachment, Code, CodeAttempt, FamilySession, Outbox, Student
from .sessions import portal_db, sessions_end_for_account


def account_password_set(*, account: Account, raw: str, keep: FamilySession | None = None) -> None:
    """A new password (validated by the caller): the temporary flag goes, other sessions end."""
    with transaction.atomic(using=portal_db()):
        account.password = password_hash(raw)
        account.must_change_password = False
        Account.objects.filter(pk=account.pk).update(password=account.password, must_change_password=False)
        sessions_end_for_account(account_id=account.pk, keep=keep)


# --- Activation codes: F1 (account creation) and F2 ("Rattacher un enfant") ------------------

LOCK_AFTER = 5  # wrong birth dates before a code is locked (F1)
_NO_CODE = -1  # the id probed when the typed code is unknown: same queries on every path


class CodeRefused(Exception):
    """The one neutral refusal: unknown, used, locked, refused, wrong kind or wrong birth date."""


class LoginTaken(Exception):
    """Another account took the login meanwhile."""


def code_check(*, typed: str, birth_date: dt.date, kind: str | None = None) -> Code:
    """The code a family typed, if it opens an account (or attaches to `account`); else CodeRefused.

    Every path does the same work (digest, code lookup, attempt row, use check, date compare,
    one write), so the answer and its time say nothing about which rule refused. A wrong birth
    date on a real code counts; the fifth locks the code and tells the SIECLE side (outbox).
    """
    digest = code_digest(typed)
    # The transaction must commit the counted failure: the refusal is raised after it.
    with transaction.atomic(using=portal_db()):
        code = Code.objects.select_related("student", "school").filter(digest=digest).first()
        code_id = code.id if code is not None else _NO_CODE
        attempt = CodeAttempt.objects.select_for_update().filter(code_id=code_id).first()
        used = Attachment.objects.filter(code_id=code_id).exists()
        expected = code.student.birth_date if code is not None else None
        date_ok = constant_time_compare(str(expected or "----------"), birth_date.isoformat()) and expected is not None
        locked = attempt is not None and attempt.locked_at is not None
        if code is not None and not date_ok and not locked:
            _attempt_failed(code=code, attempt=attempt)
        else:
            CodeAttempt.objects.filter(code_id=_NO_CODE).update(failures=F("failures") + 1)
    if code is None or not date_ok or locked or used:
        raise CodeRefused
    if code.kind == Code.Kind.CAE and code.student.access_refused:
        raise CodeRefused
    if kind is not None and code.kind != kind:
        raise CodeRefused
    return code


def _attempt_failed(*, code: Code, attempt: CodeAttempt | None) -> None:
    now = timezone.now()
    if attempt is None:
        CodeAttempt.objects.bulk_create([CodeAttempt(code_id=code.id, failures=0)], ignore_conflicts=True)
        attempt = CodeAttempt.objects.select_for_update().get(code_id=code.id)
    attempt.failures += 1
    if attempt.failures >= LOCK_AFTER and attempt.locked_at is None:
        attempt.locked_at = now
        Outbox.objects.create(
            kind=Outbox.Kind.LOCK,
            code_id=code.id,
            account_id=None,
            at=now,
            payload={"school_id": code.school_id, "kind": code.kind},
        )
    CodeAttempt.objects.filter(code_id=code.id).update(failures=attempt.failures, locked_at=attempt.locked_at)


def _attach(*, account: Account, code: Code, now) -> Attachment:
    attachment = Attachment.objects.create(
        account=account,
        code_id=code.id,
        student_id=code.student_id,
        school_id=code.school_id,
        attached_at=now,
        origin=Attachment.Origin.ACTIVATION,
    )
    Outbox.objects.create(
        kind=Outbox.Kind.USAGE,
        code_id=code.id,
        account_id=account.pk,
        at=now,
        payload={"school_id": code.school_id, "kind": code.kind},
    )
    return attachment


def _lock_usable_code(*, code_id: int, kind: str | None = None) -> Code:
    """The code row, locked, if it still opens something (between the two steps it may be gone)."""
    code = Code.objects.select_for_update().filter(pk=code_id).first()
    if code is None or (kind is not None and code.kind != kind):
        raise CodeRefused
    student = Student.objects.filter(pk=code.student_id).first()
    attempt = CodeAttempt.objects.filter(code_id=code_id, locked_at__isnull=False).exists()
    if student is None or attempt or Attachment.objects.filter(code_id=code_id).exists():
        raise CodeRefused
    if code.kind == Code.Kind.CAE and student.access_refused:
        raise CodeRefused
    return code


def _lock_login(login: str) -> None:
    """Serialise two creations of the same login in any case ("Anne" and "anne") until commit.

    The column is unique as typed; logins are compared without case. PostgreSQL: a transaction
    advisory lock on the lower-cased login; SQLite's write transactions are serialised already.
    """
    connection = connections[portal_db()]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"portal-login:{login.lower()}"])


def account_create(*, code_id: int, login: str, raw_password: str, email: str) -> Account:
    """F1: the account of the code checked at step 1, its attachment and the usage for SIECLE.

    A guardian's account (CAR) is Provisoire until its e-mail link is followed; a student's
    (CAE) is Validé at once. All in one transaction: nothing half-written.
    """
    password = password_hash(raw_password)  # outside the transaction: Argon2 takes its time
    now = timezone.now()
    try:
        with transaction.atomic(using=portal_db()):
            code = _lock_usable_code(code_id=code_id)
            _lock_login(login)
            if Account.objects.filter(login__iexact=login).exists():
                raise LoginTaken
            guardian = code.kind == Code.Kind.CAR
            account = Account.objects.create(
                login=login,
                email=email,
                password=password,
                kind=Account.Kind.GUARDIAN if guardian else Account.Kind.STUDENT,
                state=Account.State.PROVISIONAL if guardian else Account.State.VALIDATED,
                validated_at=None if guardian else now,
            )
            _attach(account=account, code=code, now=now)
    except IntegrityError as error:
        if Account.objects.filter(login__iexact=login).exists():
            raise LoginTaken from error
        raise
    return account


def child_attach(*, account: Account, code_id: int) -> Attachment:
    """F2 "Rattacher un enfant": one more CAR on a guardian's account (any school of the academy)."""
    if account.kind != Account.Kind.GUARDIAN:
        raise CodeRefused
    with transaction.atomic(using=portal_db()):
        code = _lock_usable_code(code_id=code_id, kind=Code.Kind.CAR)
        return _attach(account=account, code=code, now=timezone.now())


def account_validate(*, account: Account) -> bool:
    """The e-mailed link was followed: Provisoire → Validé. False when it already was."""
    with transaction.atomic(using=portal_db()):
        updated = Account.objects.filter(pk=account.pk, state=Account.State.PROVISIONAL).update(
            state=Account.State.VALIDATED, validated_at=timezone.now()
        )
    account.refresh_from_db()
    return bool(updated)


def accounts_for_email(*, email: str) -> list[Account]:
    """Validated accounts registered with this e-mail (forgotten password)."""
    return list(Account.objects.filter(email__iexact=email.strip(), state=Account.State.VALIDATED).order_by("pk"))


def password_reset_by_link(*, account: Account, raw: str) -> None:
    """The forgotten-password link was followed: a new password, every session ended."""
    account_password_set(account=account, raw=raw, keep=None)
