"""Writes of the families' portal: keyword-only functions, each in one transaction.

Accounts, attachments, code attempts and the outbox (what goes back up to the SIECLE base)
are written here only (docs/teleservices-database.md "one writer per table").
"""

from __future__ import annotations

from django.db import transaction

from .auth import password_hash
from .models import Account, FamilySession
from .sessions import portal_db, sessions_end_for_account


def account_password_set(*, account: Account, raw: str, keep: FamilySession | None = None) -> None:
    """A new password (validated by the caller): the temporary flag goes, other sessions end."""
    with transaction.atomic(using=portal_db()):
        account.password = password_hash(raw)
        account.must_change_password = False
        Account.objects.filter(pk=account.pk).update(password=account.password, must_change_password=False)
        sessions_end_for_account(account_id=account.pk, keep=keep)
