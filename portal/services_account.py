"""Writes on families' accounts asked by the staff site, and the demo's bulk accounts.

- `account_password_reset`: "Réinitialiser le mot de passe" of the C6 and D3 account blocks.
  A guardian's account gets a single-use reset link e-mailed to its own address (the head
  never sees or sets a guardian's password); a student's gets a temporary password, returned
  once for the head to hand over, that must be changed at the next sign-in; the student's
  sessions end.
- `accounts_import_bulk`: accounts with their attachments in a few statements (the demo's
  lived year, written as the portal would have written them).

The staff site calls these functions (never `portal.models`); the account is always found
through the attachments of the codes the caller names, so a forged account id reaches nothing.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string

from .models import Account, Attachment, FamilySession
from .selectors import account_for_codes

logger = logging.getLogger(__name__)

DB = "teleservices"
# Unambiguous characters (no 0/O, 1/l/I): read aloud or copied from a screen by a student.
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TEMPORARY_GROUPS = 3
TEMPORARY_GROUP_LENGTH = 4


class AccountActionError(Exception):
    """A refused account action; its message is French and meant for the user."""


@dataclass(frozen=True)
class PasswordReset:
    """What a reset did: for a student the temporary password (shown once), for a guardian the address."""

    account_id: int
    login: str
    kind: str
    code_id: int  # the code (SIECLE id) through which the account was found
    temporary_password: str = ""
    email: str = ""


def temporary_password_make() -> str:
    """A temporary password such as "k7Qm-9xTe-Hp4w": 71 bits, easy to copy from a screen."""
    groups = (
        "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(TEMPORARY_GROUP_LENGTH))
        for _ in range(TEMPORARY_GROUPS)
    )
    return "-".join(groups)


def account_sessions_end(*, account_id: int, keep: str | None = None) -> int:
    """End the account's sessions (their rows are deleted), but the one whose key digest is `keep`."""
    qs = FamilySession.objects.filter(account_id=account_id)
    if keep:
        qs = qs.exclude(key_digest=keep)
    deleted, _ = qs.delete()
    return deleted


def account_password_reset(*, code_ids: Sequence[int], portal_url: str) -> PasswordReset:
    """Reset the password of the last account attached to one of these codes (one pair or student).

    Refused (AccountActionError, nothing written, nothing sent): no account; a guardian's
    account still Provisoire (its owner has not proved his address yet) or without e-mail; an
    e-mail the SMTP server refuses.
    """
    with transaction.atomic(using=DB):
        attachment = account_for_codes(code_ids=code_ids)
        if attachment is None:
            raise AccountActionError("Aucun compte n'a été créé avec les codes de cette fiche.")
        account = Account.objects.select_for_update().get(pk=attachment.account_id)
        if account.kind == Account.Kind.STUDENT:
            temporary = temporary_password_make()
            account.password = make_password(temporary)
            account.must_change_password = True
            account.save(update_fields=["password", "must_change_password"])
            account_sessions_end(account_id=account.pk)
            return PasswordReset(
                account_id=account.pk,
                login=account.login,
                kind=account.kind,
                code_id=attachment.code_id,
                temporary_password=temporary,
            )
        if account.state == Account.State.PROVISIONAL:
            raise AccountActionError(
                "Ce compte est encore provisoire : son titulaire doit d'abord suivre le lien reçu par courriel."
            )
        if not account.email:
            raise AccountActionError("Ce compte n'a pas d'adresse électronique : aucun lien ne peut être envoyé.")
        _reset_link_send(account=account, portal_url=portal_url)
        return PasswordReset(
            account_id=account.pk,
            login=account.login,
            kind=account.kind,
            code_id=attachment.code_id,
            email=account.email,
        )


def _reset_link_send(*, account: Account, portal_url: str) -> None:
    """E-mail the account's single-use reset link (the portal's forgotten-password link)."""
    from . import tokens  # the portal's signed single-use links

    path = tokens.password_reset_path(account=account)
    base = portal_url.rstrip("/") if portal_url else settings.PORTAL_URL.rstrip("/")
    context = {"account": account, "url": f"{base}{path}", "days": tokens.password_reset_days()}
    message = EmailMessage(
        subject="Réinitialisation du mot de passe de votre compte Scolarité services",
        body=render_to_string("portal/account/email/reset_by_school.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[account.email],
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("Password reset e-mail of account %s not sent: %s", account.pk, error)
        raise AccountActionError(
            "Le courriel n'a pas pu être envoyé (serveur de messagerie indisponible ou adresse refusée) : "
            "réessayez plus tard."
        ) from error


# --- The demo's accounts ----------------------------------------------------------------------


@dataclass
class AccountSeed:
    """An account to write with its attachments: (code_id, student_id, school_id, attached_at, origin)."""

    login: str
    email: str
    kind: str
    state: str
    created_at: datetime.datetime
    validated_at: datetime.datetime | None = None
    last_login: datetime.datetime | None = None
    attachments: list[tuple[int, int, int, datetime.datetime, str]] = field(default_factory=list)
    pk: int | None = None  # set by accounts_import_bulk


def accounts_import_bulk(*, seeds: Sequence[AccountSeed], batch_size: int = 2000) -> list[AccountSeed]:
    """Write accounts and their attachments set-based (a few statements per batch); sets `seed.pk`.

    Passwords are unusable (nobody signs in with these accounts until a reset). Used by the demo;
    the portal's own creation (F1) writes one account at a time with its checks.
    """
    if not seeds:
        return []
    unusable = make_password(None)
    with transaction.atomic(using=DB):
        accounts = Account.objects.bulk_create(
            [
                Account(
                    login=s.login,
                    email=s.email,
                    password=unusable,
                    kind=s.kind,
                    state=s.state,
                    validated_at=s.validated_at,
                    last_login=s.last_login,
                )
                for s in seeds
            ],
            batch_size=batch_size,
        )
        for seed, account in zip(seeds, accounts, strict=True):
            seed.pk = account.pk
            account.created_at = seed.created_at
        # created_at is auto_now_add: the real dates are set after the insert, in one UPDATE per batch.
        Account.objects.bulk_update(accounts, ["created_at"], batch_size=batch_size)
        Attachment.objects.bulk_create(
            [
                Attachment(
                    account_id=seed.pk,
                    code_id=code_id,
                    student_id=student_id,
                    school_id=school_id,
                    attached_at=at,
                    origin=origin,
                )
                for seed in seeds
                for code_id, student_id, school_id, at, origin in seed.attachments
            ],
            batch_size=batch_size,
            ignore_conflicts=True,
        )
    return list(seeds)
