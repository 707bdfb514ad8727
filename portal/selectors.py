"""Reads of the families' accounts for the SIECLE side (the C6 and D3 account blocks).

The staff site never reads `portal.models` itself (an import-linter contract): it asks here,
with the SIECLE ids of the codes of one pair (CAR) or one student (CAE), and gets plain values.
An account is found through its `Attachment` rows, which outlive the codes: a pair whose code
was replaced still shows the last account attached to any of its codes. Two queries on the
téléservices database, whatever the number of codes.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from .models import Account, Attachment, CodeAttempt


@dataclass(frozen=True)
class AccountBlock:
    """What the account block of a pair or a student shows; `account_id` is None without account."""

    account_id: int | None
    login: str = ""
    email: str = ""
    kind: str = ""  # Account.Kind: "R" guardian, "E" student
    state: str = ""  # Account.State: "P" Provisoire, "V" Validé
    created_at: datetime.datetime | None = None
    validated_at: datetime.datetime | None = None
    attached_code_id: int | None = None  # the code (SIECLE id) through which the account was found
    locked_at: datetime.datetime | None = None  # the valid code locked after wrong birth dates

    @property
    def has_account(self) -> bool:
        return self.account_id is not None

    @property
    def is_provisional(self) -> bool:
        return self.state == Account.State.PROVISIONAL

    @property
    def is_student(self) -> bool:
        return self.kind == Account.Kind.STUDENT

    @property
    def state_label(self) -> str:
        return Account.State(self.state).label if self.state else ""

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


def account_for_codes(*, code_ids: Sequence[int]) -> Attachment | None:
    """The last attachment (with its account) of any of these codes, or None.

    For the portal's own services (the password reset); the SIECLE side reads `account_block`.
    """
    if not code_ids:
        return None
    return (
        Attachment.objects.select_related("account")
        .filter(code_id__in=list(code_ids))
        .order_by("-attached_at", "-pk")
        .first()
    )


def account_block(*, code_ids: Sequence[int], valid_code_id: int | None = None) -> AccountBlock:
    """The account block of a pair (its CARs) or a student (his CAEs), newest attachment first.

    `valid_code_id`: the holder's valid code, whose lock ("bloqué" after five wrong birth dates
    on the portal) the block shows; an old code's lock no longer matters.
    """
    locked_at = None
    if valid_code_id is not None:
        locked_at = (
            CodeAttempt.objects.filter(code_id=valid_code_id, locked_at__isnull=False)
            .values_list("locked_at", flat=True)
            .first()
        )
    attachment = account_for_codes(code_ids=code_ids)
    if attachment is None:
        return AccountBlock(account_id=None, locked_at=locked_at)
    account = attachment.account
    return AccountBlock(
        account_id=account.pk,
        login=account.login,
        email=account.email,
        kind=account.kind,
        state=account.state,
        created_at=account.created_at,
        validated_at=account.validated_at,
        attached_code_id=attachment.code_id,
        locked_at=locked_at,
    )
