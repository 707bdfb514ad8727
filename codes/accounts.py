"""The account block of a pair (C6) or a student (D3), and its "Réinitialiser le mot de passe".

The families' accounts live in the téléservices database: they are read through
`portal.selectors` and reset through `portal.services_account`, never through `portal.models`.
The reset leaves a history row on the SIECLE side (who asked, when, what was done), written
only once the portal's side has succeeded.
"""

from __future__ import annotations

from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from portal.selectors import AccountBlock, account_block
from portal.services_account import AccountActionError, PasswordReset, account_password_reset
from siecle.models import School

from .models import ActivationCode, CodeEvent, EventKind
from .services import CodeError

TELESERVICES_DOWN = (
    "La base des téléservices ne répond pas pour le moment : rien n'a été fait. Réessayez dans quelques minutes."
)


def holder_account_block(*, codes: list[ActivationCode]) -> AccountBlock:
    """The account block of a holder from his codes (code_history): last account, lock of the valid code."""
    valid = next((c for c in codes if c.is_valid), None)
    return account_block(code_ids=[c.pk for c in codes], valid_code_id=valid.pk if valid else None)


def holder_password_reset(*, school: School, codes: list[ActivationCode], by) -> PasswordReset:
    """Reset the password of the holder's last account and record it in the holder's history.

    The caller loaded `codes` for a pair or a student of `school` (tenancy). Refusals are
    CodeError with a French message; nothing is written on either side then.
    """
    if not codes:
        raise CodeError("Aucun compte n'a été créé avec les codes de cette fiche.")
    with transaction.atomic():
        # The history row waits in this (SIECLE) transaction: it is rolled back when the
        # portal's side refuses, and committed right after the portal's side succeeded.
        try:
            reset = account_password_reset(code_ids=[c.pk for c in codes], portal_url=school.academy.teleservices_url)
        except AccountActionError as error:
            raise CodeError(str(error)) from error
        except (OperationalError, InterfaceError) as error:
            raise CodeError(TELESERVICES_DOWN) from error
        code = next(c for c in codes if c.pk == reset.code_id)
        what = "mot de passe provisoire remis" if reset.temporary_password else "lien de réinitialisation envoyé"
        CodeEvent.objects.create(
            kind=code.kind,
            school=school,
            student_id=code.student_id,
            link_id=code.link_id,
            code=code,
            event=EventKind.PASSWORD_RESET,
            detail=f"Compte {reset.login} : {what}"[:200],
            at=timezone.now(),
            by=by if getattr(by, "pk", None) else None,
        )
    return reset
