"""Codes never used expire (docs/codes-at-rest.md, "Expiry").

Rule: a code that was never handed out (not notified by letter or e-mail) and never used stops
being valid once the school year that follows the one it was created in has ended. A code that
was sent to a family is never invalidated by this nightly task: that would destroy, without
showing the numbers and asking, what families hold; the school head invalidates those himself
("Invalider code", "Nouveau code"). A code printed at the start of
2025-2026 still works throughout 2026-2027, and is invalidated from 1 September 2027. The school
year is the academy's calendar (1 September to 31 August), the same for every school, so that one
nightly statement-batch decides it. A used code keeps the account it opened: it never expires.

Expiry goes through `codes_invalidate`, like any invalidation: an "Invalidation" history row
with the reason, and the revocation announced so the families' side drops the code at once.
The school head creates a new code for the pair or the student if the family comes back.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from .models import ActivationCode
from .services import codes_invalidate

EXPIRY_DETAIL = "Code jamais utilisé : expiré à la fin de l'année scolaire suivant sa création."
BATCH = 2000


def expiry_cutoff(today: datetime.date) -> datetime.datetime:
    """Codes created before this moment and never used have expired: the start of the school
    year before the current one (1 September, Paris time)."""
    current_start_year = today.year if today.month >= 9 else today.year - 1
    start = datetime.datetime(current_start_year - 1, 9, 1)  # noqa: DTZ001 — made aware just below
    return timezone.make_aware(start)


def codes_unused_expired(*, today: datetime.date | None = None):
    """The valid codes, never handed out and never used, past their expiry."""
    cutoff = expiry_cutoff(today or timezone.localdate())
    return ActivationCode.objects.filter(
        is_valid=True,
        used_at__isnull=True,
        account_id__isnull=True,
        notified_at__isnull=True,
        created_at__lt=cutoff,
    )


def codes_expire_unused(*, today: datetime.date | None = None, batch: int = BATCH) -> int:
    """Invalidate every expired unused code, `batch` codes per transaction; returns how many.

    Safe to run twice or to stop midway: each batch re-reads what is still valid.
    """
    expired = 0
    while True:
        with transaction.atomic():
            ids = list(codes_unused_expired(today=today).order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                return expired
            done = codes_invalidate(codes_qs=ActivationCode.objects.filter(pk__in=ids), by=None, detail=EXPIRY_DETAIL)
        expired += len(done)
