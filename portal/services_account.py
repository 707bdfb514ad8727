"""Writes on families' accounts asked by the staff site, and the demo's bulk accounts.

- `account_password_reset`: "Réinitialiser le mot de passe" of the C6 and D3 account blocks.
  A guardian's account gets a single-use reset link e-mailed to its own address (the head
  never sees or sets a guardian's password); a student's gets a temporary password, returned
  once for the head to hand over, that must be changed at the next sign-in; the student's
  sessions end.
- F6 "Gérer son compte": `account_password_change`, `account_email_change_request` (a link
  sent to the new address) and `account_email_change_confirm` (the old address is told).
- F5 "Contacter l'établissement": `school_contact_send`.
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
from django.urls import reverse

from . import ratelimit
from .models import Account, Attachment, FamilySession, School
from .selectors import AttachedChild, account_for_codes, account_holder_name

logger = logging.getLogger(__name__)

DB = "teleservices"
# Unambiguous characters (no 0/O, 1/l/I): read aloud or copied from a screen by a student.
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TEMPORARY_GROUPS = 3
TEMPORARY_GROUP_LENGTH = 4


# Limits of the account pages (portal.ratelimit counters; settings.PORTAL_RATE_LIMITS overrides):
# wrong current passwords per account, e-mail change requests per account, contact messages per
# account and day (a school's mailbox is not a spam target).
ACCOUNT_LIMITS = {
    "account-password": (5, 15 * 60),
    "account-email": (5, 60 * 60),
    "contact-account": (5, 24 * 60 * 60),
}
for _scope, _limit in ACCOUNT_LIMITS.items():
    ratelimit.DEFAULT_LIMITS.setdefault(_scope, _limit)


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


PORTAL_URLCONF = "tsadmin.urls_portal"


def _reset_link_send(*, account: Account, portal_url: str) -> None:
    """E-mail the account's single-use reset link: the portal's forgotten-password link.

    `portal_url`: the portal's address as the letters print it (the academy's téléservices
    address); PORTAL_BASE_URL when it is empty.
    """
    from .tokens import PURPOSE_RESET, RESET_MAX_AGE, token_make

    token = token_make(purpose=PURPOSE_RESET, account=account)
    base = (portal_url or getattr(settings, "PORTAL_BASE_URL", "")).rstrip("/")
    path = reverse("portal:password_reset", args=[token], urlconf=PORTAL_URLCONF)
    _send(
        to=account.email,
        subject="Scolarité services : choisir un nouveau mot de passe",
        template="portal/account/email/reset_by_school.txt",
        context={"account": account, "url": f"{base}{path}", "hours": int(RESET_MAX_AGE.total_seconds() // 3600)},
    )


# --- The demo's accounts ----------------------------------------------------------------------

# The choices a caller of the SIECLE side names (it never imports portal.models).
AccountKind = Account.Kind
AccountState = Account.State
AttachmentOrigin = Attachment.Origin


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


# --- F6 "Gérer son compte" -----------------------------------------------------------------


def account_password_change(*, account: Account, raw: str, keep: FamilySession | None) -> None:
    """A new password chosen by the signed-in family (checked by the form): other sessions end."""
    from .services import account_password_set

    account_password_set(account=account, raw=raw, keep=keep)


def account_email_change_request(*, account: Account, new_email: str, confirm_url) -> None:
    """Send the confirmation link to the new address; nothing changes until it is followed.

    `confirm_url(token) -> str` gives the link's absolute address. The link is signed, single use
    (it names the current address: once changed, it opens nothing) and valid EMAIL_MAX_AGE.
    """
    from .tokens import EMAIL_MAX_AGE, PURPOSE_EMAIL, token_make

    token = token_make(purpose=PURPOSE_EMAIL, account=account, extra={"e": new_email})
    _send(
        to=new_email,
        subject="Scolarité services : confirmez votre nouvelle adresse électronique",
        template="portal/account/email/email_confirm.txt",
        context={"account": account, "url": confirm_url(token), "days": EMAIL_MAX_AGE.days, "email": new_email},
    )


def account_email_change_confirm(*, token: str) -> Account:
    """Apply the change named by a link; the old address is told. Raises the tokens' exceptions."""
    from .tokens import EMAIL_MAX_AGE, PURPOSE_EMAIL, TokenInvalid, token_check

    with transaction.atomic(using=DB):
        account, extra = token_check(purpose=PURPOSE_EMAIL, token=token, max_age=EMAIL_MAX_AGE)
        new_email = extra.get("e")
        if not isinstance(new_email, str) or not new_email:
            raise TokenInvalid("no address")
        account = Account.objects.select_for_update().get(pk=account.pk)
        # Checked again under the lock: two clicks at once change the address once.
        token_check(purpose=PURPOSE_EMAIL, token=token, max_age=EMAIL_MAX_AGE)
        old_email = account.email
        account.email = new_email
        account.save(update_fields=["email"])
    if old_email and old_email.lower() != new_email.lower():
        try:
            _send(
                to=old_email,
                subject="Scolarité services : l'adresse électronique de votre compte a changé",
                template="portal/account/email/email_changed.txt",
                context={"account": account, "masked": email_mask(new_email)},
            )
        except AccountActionError:
            logger.warning("Notice of e-mail change of account %s not sent to the old address", account.pk)
    return account


def email_mask(address: str) -> str:
    """ "j***@exemple.fr": enough for its owner to recognise, not enough to give it away."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


# --- F5 "Contacter l'établissement" ----------------------------------------------------------


def school_contact_send(*, account: Account, school: School, child: AttachedChild, subject: str, message: str) -> None:
    """The message to the school's contact address, and a copy to the family that hides that address.

    Sent from the service's own address (PORTAL_CONTACT_FROM_EMAIL, else DEFAULT_FROM_EMAIL) with
    the account's e-mail as Reply-To, never as From (the school's server would reject or flag a
    forged sender). `subject` comes from the form, on one line. Raises AccountActionError (French)
    when the school's message is refused; the copy's failure is only logged.
    """
    holder = account_holder_name(account_id=account.pk, kind=account.kind) or account.login
    context = {
        "account": account,
        "holder": holder,
        "child": child,
        "school": school,
        "subject": subject,
        "message": message,
    }
    from_email = getattr(settings, "PORTAL_CONTACT_FROM_EMAIL", "") or settings.DEFAULT_FROM_EMAIL
    _send(
        to=school.contact_email,
        subject=f"[Scolarité services] {subject} — {child.student_name}",
        template="portal/account/email/contact_school.txt",
        context=context,
        reply_to=[account.email] if account.email else None,
        from_email=from_email,
    )
    if account.email:
        try:
            _send(
                to=account.email,
                subject=f"Copie de votre message à {school.name} : {subject}",
                template="portal/account/email/contact_copy.txt",
                context=context,
                from_email=from_email,
            )
        except AccountActionError:
            logger.warning("Copy of a contact message not sent to account %s", account.pk)


def _send(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict,
    reply_to: list[str] | None = None,
    from_email: str | None = None,
) -> None:
    message = EmailMessage(
        subject=" ".join(subject.split()),  # one line, whatever the caller gave
        body=render_to_string(template, context),
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=reply_to,
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("Portal e-mail %r not sent: %s", template, error)
        raise AccountActionError(
            "Le message n'a pas pu être envoyé pour le moment (messagerie indisponible) : réessayez plus tard."
        ) from error
