"""What comes back up from the téléservices database (its outbox), checked and recorded here.

The portal appends one `portal.Outbox` row per fact the SIECLE side must know (a code used,
a code locked) in the same transaction as the change. `outbox_apply` drains it in batches:

1. on the téléservices database, claim a batch of rows (`SELECT … FOR UPDATE SKIP LOCKED` on
   PostgreSQL: two runs at once never take the same rows; SQLite has no row locks, its
   database lock serialises the writers);
2. parse each row as untrusted input (missing keys, wrong types, out-of-range numbers are
   refused, never a crash) and record the good ones on the SIECLE side through the codes
   services, which refuse a code not of the school and kind the row claims, or not valid;
3. commit the SIECLE side, then delete the claimed rows and commit the téléservices side.

A process killed between the two commits leaves the rows in the outbox: the next run
records them again, which changes nothing (usage keeps its first date and writes its history
row once; a lock writes one history row per code and moment). Refused rows are deleted
too, after being logged: they can never become valid by waiting.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from codes.models import CodeKind
from codes.services import LockClaim, UsageClaim, codes_lock_record, codes_usage_record
from portal.models import Outbox

logger = logging.getLogger(__name__)

DB = "teleservices"
BATCH = 1000
# Ids are PostgreSQL bigints: a larger number in a payload would make the query itself fail.
MAX_ID = 2**63 - 1
# A fact dated more than this after now (clock skew allowed) is a forged or broken row.
FUTURE_SLACK = datetime.timedelta(days=1)


@dataclass
class _Batch:
    ids: list[int] = field(default_factory=list)
    uses: list[UsageClaim] = field(default_factory=list)
    locks: list[LockClaim] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)


def _an_id(value) -> int | None:
    """A positive bigint, or None (bools, strings, floats and huge numbers are not ids)."""
    if type(value) is not int or not 0 < value <= MAX_ID:
        return None
    return value


def _parse(row: Outbox, now: datetime.datetime, batch: _Batch) -> None:
    """One outbox row as a claim, or a French reason why it is malformed."""
    payload = row.payload if isinstance(row.payload, dict) else None
    code_id = _an_id(row.code_id)
    school_id = _an_id(payload.get("school_id")) if payload is not None else None
    kind = payload.get("kind") if payload is not None else None
    at = row.at
    reason = ""
    if row.kind not in Outbox.Kind.values:
        reason = "type de message inconnu"
    elif payload is None:
        reason = "contenu illisible (objet attendu)"
    elif code_id is None:
        reason = "identifiant de code absent ou invalide"
    elif school_id is None:
        reason = "établissement absent ou invalide"
    elif not isinstance(kind, str) or kind not in CodeKind.values:
        reason = "type de code absent ou invalide"
    elif not isinstance(at, datetime.datetime) or timezone.is_naive(at) or at > now + FUTURE_SLACK:
        reason = "date absente ou dans le futur"
    elif row.kind == Outbox.Kind.USAGE and _an_id(row.account_id) is None:
        reason = "compte absent ou invalide"
    if reason:
        batch.malformed.append(f"message {row.pk} ({str(row.kind)[:10]}) refusé : {reason}")
    elif row.kind == Outbox.Kind.USAGE:
        batch.uses.append(UsageClaim(code_id, row.account_id, at, school_id, kind))
    else:
        batch.locks.append(LockClaim(code_id, at, school_id, kind))


def _claim(school_ids: Iterable[int] | None, size: int) -> list[Outbox]:
    rows = Outbox.objects.using(DB).select_for_update(skip_locked=True).order_by("pk")
    if school_ids is not None:
        rows = rows.filter(payload__school_id__in=list(school_ids))
    return list(rows[:size])


def _outbox_delete(ids: list[int]) -> None:
    Outbox.objects.using(DB).filter(pk__in=ids).delete()


def outbox_apply(
    *, school_ids=None, log: Callable[[str], None] | None = None, batch_size: int | None = None
) -> dict[str, int]:
    """Apply the outbox; returns counts {"usage", "lock", "already", "refused"}.

    `school_ids` limits the run to rows whose payload names one of these schools (a run by
    `--uaj`); a row without a readable school is then left for a full run. `log` receives one
    line per refused row (the run's error log); without it the logging module gets them.
    """
    report = {"usage": 0, "lock": 0, "already": 0, "refused": 0}

    def note(message: str) -> None:
        logger.warning("%s", message)
        if log is not None:
            log(message)

    size = batch_size or BATCH
    while True:
        with transaction.atomic(using=DB):
            rows = _claim(school_ids, size)
            if not rows:
                break
            batch = _Batch(ids=[r.pk for r in rows])
            now = timezone.now()
            for row in rows:
                _parse(row, now, batch)
            with transaction.atomic():
                used = codes_usage_record(uses=batch.uses)
                locked = codes_lock_record(locks=batch.locks)
            # The SIECLE side is committed: only now may the rows leave the outbox.
            _outbox_delete(batch.ids)
        report["usage"] += used.recorded
        report["lock"] += locked.recorded
        report["already"] += used.already + locked.already
        report["refused"] += len(batch.malformed) + len(used.refused) + len(locked.refused)
        for message in batch.malformed:
            note(message)
        for refused in (*used.refused, *locked.refused):
            note(f"remontée : {refused}")
        if len(rows) < size:
            break
    return report
