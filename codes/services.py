"""The lifecycle of every activation code, CAR or CAE: birth, invalidation, recorded facts.

The one place where code rows and their history rows are written:
- `codes_create_bulk`: the only way a code is born: values from `codes.values`, uniqueness and
  "one valid code per pair / per student" checked by the database, value collisions drawn
  again, a target that got a valid code meanwhile skipped; history written by the database.
- `codes_invalidate`: the only way a code stops being valid; it and the refusals announce the
  revocation (`codes.signals.codes_revoked`, after commit) so the families' side drops the
  access at once.
- `codes_notification_record`, `codes_usage_record`, `codes_continuity_record`,
  `codes_lock_record`: facts the notification screens and the replication bring (date and
  mode, use and account, continuity, a code locked on the portal); what the replication
  brings is checked against the school and kind each claim names, and refused when it lies.
- `code_regenerate`, `access_refusals_create`, `access_refusals_lift`: what "Nouveau code" and
  a refusal do to any holder; `car.services` and `cae.services` add each kind's rules.
Each writes its history rows in the same transaction, with a constant number of statements.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from siecle.models import School

from . import sealing, values
from .models import AccessRefusal, ActivationCode, CodeEvent, CodeKind, EventKind, NotificationMode
from .signals import codes_revoked

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
INSERT_BATCH = 5000


class CodeError(Exception):
    """An action refused by a rule; its message is French and meant for the user."""


@dataclass(frozen=True)
class Target:
    """Who a new code is for: a student, and for a CAR the student–guardian link."""

    student_id: int
    link_id: int | None = None


def codes_revoked_announce(
    *, code_ids: Iterable[int] = (), refused_link_ids: Iterable[int] = (), refused_student_ids: Iterable[int] = ()
) -> None:
    """Send `codes_revoked` once the current transaction commits (nothing if it rolls back).

    Receivers are called robustly: a failing receiver (the broker down) is logged and never
    turns a committed change into an error page; the nightly run removes the access anyway.
    """
    payload = {
        "code_ids": sorted(set(code_ids)),
        "refused_link_ids": sorted({i for i in refused_link_ids if i is not None}),
        "refused_student_ids": sorted(set(refused_student_ids)),
    }
    if not any(payload.values()):
        return

    def send() -> None:
        for receiver, answer in codes_revoked.send_robust(sender=ActivationCode, **payload):
            if isinstance(answer, Exception):
                logger.error("codes_revoked receiver %r failed: %s", receiver, answer)

    transaction.on_commit(send)


def code_events_create(
    *,
    kind: str,
    school: School,
    rows: Iterable[tuple[int, int | None, int | None]],
    event: str,
    at: datetime.datetime,
    by,
    mode: str = "",
    detail: str = "",
) -> list[CodeEvent]:
    """History rows for (student_id, link_id, code_id) triples, written in one statement."""
    return _events_for_code_rows(
        [(student_id, link_id, code_id, kind, school.pk) for student_id, link_id, code_id in rows],
        event=event,
        at=at,
        by=by,
        mode=mode,
        detail=detail,
    )


def _has_valid_code(kind: str, targets: Sequence[Target]) -> set[Target]:
    """The targets that hold a valid code of this kind now (one query)."""
    if not targets:
        return set()
    if kind == CodeKind.CAR:
        ids = [t.link_id for t in targets]
        found = set(
            ActivationCode.objects.filter(kind=kind, is_valid=True, link_id__in=ids).values_list("link_id", flat=True)
        )
        return {t for t in targets if t.link_id in found}
    ids = [t.student_id for t in targets]
    found = set(
        ActivationCode.objects.filter(kind=kind, is_valid=True, student_id__in=ids).values_list("student_id", flat=True)
    )
    return {t for t in targets if t.student_id in found}


@dataclass(frozen=True)
class NewCode:
    """A code just created: enough to count, show or reload it."""

    pk: int
    value: str
    student_id: int
    link_id: int | None


_CODE_COLUMNS = (
    "kind",
    "school_id",
    "student_id",
    "link_id",
    "value_sealed",
    "value_lookup",
    "is_valid",
    "created_at",
    "changed_at",
    "change_kind",
    "notification_mode",
)
_EVENT_COLUMNS = ("kind", "school_id", "student_id", "link_id", "code_id", "event", "mode", "detail", "at", "by_id")


def _insert_codes_ignoring_conflicts(rows: list[tuple]) -> None:
    """One multi-row INSERT ... ON CONFLICT DO NOTHING (PostgreSQL and SQLite alike).

    A row that would break a unique rule (value taken, pair already valid) is not written;
    the caller finds out which rows made it. No per-row Python model work: this is the hot
    path of mass creation and of every new student's CAE.
    """
    qn = connection.ops.quote_name
    table = qn(ActivationCode._meta.db_table)
    columns = ", ".join(qn(c) for c in _CODE_COLUMNS)
    one = "(" + ", ".join(["%s"] * len(_CODE_COLUMNS)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_BATCH):
            batch = rows[start : start + INSERT_BATCH]
            params = [value for row in batch for value in row]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(batch))} ON CONFLICT DO NOTHING",  # noqa: S608
                params,
            )


def _insert_creation_events(*, code_ids: list[int], at: datetime.datetime, by, detail: str) -> None:
    """The "Création" rows of these codes, copied from the code rows by the database itself."""
    if not code_ids:
        return
    qn = connection.ops.quote_name
    events, codes_table = qn(CodeEvent._meta.db_table), qn(ActivationCode._meta.db_table)
    columns = ", ".join(qn(c) for c in _EVENT_COLUMNS)
    when = connection.ops.adapt_datetimefield_value(at)
    with connection.cursor() as cursor:
        for start in range(0, len(code_ids), INSERT_BATCH):
            batch = code_ids[start : start + INSERT_BATCH]
            cursor.execute(
                f"INSERT INTO {events} ({columns}) "  # noqa: S608
                f"SELECT {qn('kind')}, {qn('school_id')}, {qn('student_id')}, {qn('link_id')}, {qn('id')}, "
                f"%s, '', %s, %s, %s FROM {codes_table} WHERE {qn('id')} IN ({', '.join(['%s'] * len(batch))})",
                [EventKind.CREATION, detail, when, getattr(by, "pk", None), *batch],
            )


def codes_create_bulk(
    *, kind: str, school: School, targets: Sequence[Target], by, detail: str = "", at: datetime.datetime | None = None
) -> list[NewCode]:
    """Create one valid code per target, with its "Création" history row; return the new codes.

    The caller checks who may get a code; this function guarantees the database rules: a value
    already taken in the academy is drawn again (only for the rows that collided), and a target
    that holds a valid code (a double submission, another head at the same moment) is skipped,
    never given a second one. Statements: one insert, one select, one history insert (plus one
    select and one insert per round when something collided), per 5,000 codes.
    """
    at = at or timezone.now()
    stored_at = connection.ops.adapt_datetimefield_value(at)
    pending = list(dict.fromkeys(targets))
    created: list[NewCode] = []
    for _attempt in range(MAX_ATTEMPTS):
        if not pending:
            break
        # Sealed in Python while the rows are built (docs/codes-at-rest.md): the clear value
        # never reaches the database; the lookup hash finds the rows written back.
        rows, drawn = [], {}
        generated = values.generate_many(len(pending))
        for value, t, (sealed, lookup) in zip(generated, pending, sealing.sealed_pairs(generated), strict=True):
            drawn[lookup] = (value, t)
            rows.append(
                (kind, school.pk, t.student_id, t.link_id, sealed, lookup, True, stored_at, stored_at)
                + (EventKind.CREATION, "")
            )
        _insert_codes_ignoring_conflicts(rows)
        mine = [
            NewCode(pk, drawn[lookup][0], student_id, link_id)
            for pk, lookup, student_id, link_id, created_at in ActivationCode.objects.filter(
                value_lookup__in=list(drawn)
            ).values_list("pk", "value_lookup", "student_id", "link_id", "created_at")
            if drawn[lookup][1] == Target(student_id, link_id) and created_at == at
        ]
        created.extend(mine)
        got = {Target(c.student_id, c.link_id) for c in mine}
        missing = [t for t in pending if t not in got]
        pending = [t for t in missing if t not in _has_valid_code(kind, missing)]
    else:
        if pending:
            raise CodeError("Impossible de tirer des codes uniques : réessayez.")
    _insert_creation_events(code_ids=[c.pk for c in created], at=at, by=by, detail=detail)
    return created


def codes_invalidate(
    *, codes_qs, by, detail: str = "", at: datetime.datetime | None = None
) -> list[tuple[int, int | None, int]]:
    """Invalidate the valid codes of the queryset, with an "Invalidation" row each.

    Returns (student_id, link_id, code_id) of what was invalidated. Three statements.
    """
    at = at or timezone.now()
    rows = list(
        codes_qs.select_for_update()
        .filter(is_valid=True)
        .values_list("student_id", "link_id", "pk", "kind", "school_id")
        .order_by("pk")
    )
    if not rows:
        return []
    ActivationCode.objects.filter(pk__in=[r[2] for r in rows]).update(
        is_valid=False, invalidated_at=at, changed_at=at, change_kind=EventKind.INVALIDATION
    )
    _events_for_code_rows(rows, event=EventKind.INVALIDATION, at=at, by=by, detail=detail)
    codes_revoked_announce(code_ids=[r[2] for r in rows])
    return [(r[0], r[1], r[2]) for r in rows]


def _events_for_code_rows(
    rows: Sequence[tuple],
    *,
    event: str,
    at: datetime.datetime | None = None,
    by=None,
    mode: str = "",
    detail: str = "",
) -> list[CodeEvent]:
    """History rows, in one statement, for (student_id, link_id, code_id, kind, school_id) rows.

    With `at` None, each row carries its own date as a sixth item (facts that came back from the
    families' side, each with the moment it happened there).
    """
    by_id = getattr(by, "pk", None)
    return CodeEvent.objects.bulk_create(
        [
            CodeEvent(
                kind=row[3],
                school_id=row[4],
                student_id=row[0],
                link_id=row[1],
                code_id=row[2],
                event=event,
                mode=mode,
                detail=detail,
                at=at if at is not None else row[5],
                by_id=by_id,
            )
            for row in rows
        ]
    )


# --- Facts recorded by the other apps (notification, portal usage, continuity) -------------


def codes_notification_record(
    *,
    school: School,
    code_ids: Iterable[int],
    mode: str,
    by,
    on: datetime.date | None = None,
    at: datetime.datetime | None = None,
) -> int:
    """The codes were sent (letter or e-mail): store date and mode, one "Notification" row each.

    Called by the notification screens (C3, C5 "Notifier code", D2, D3). Only valid codes count.
    Every code must belong to `school` (the one the caller acts for): a single foreign code
    refuses the whole call with CodeError and nothing is written. `on` (the notification date)
    and `at` (the history row's time) default to now; the demo academy replays a past school
    year with them.
    """
    if mode not in NotificationMode.values:
        raise ValueError(f"Unknown notification mode {mode!r}")
    code_ids = list(dict.fromkeys(code_ids))
    at = at or timezone.now()
    on = on or timezone.localdate()
    with transaction.atomic():
        found = list(
            ActivationCode.objects.select_for_update()
            .filter(pk__in=code_ids)
            .values_list("student_id", "link_id", "pk", "kind", "school_id", "is_valid")
            .order_by("pk")
        )
        if len(found) != len(code_ids) or any(r[4] != school.pk for r in found):
            raise CodeError("Ces codes n'appartiennent pas à l'établissement : aucune notification enregistrée.")
        rows = [r[:5] for r in found if r[5]]
        ActivationCode.objects.filter(pk__in=[r[2] for r in rows]).update(notified_at=on, notification_mode=mode)
        _events_for_code_rows(rows, event=EventKind.NOTIFICATION, at=at, by=by, mode=mode)
    return len(rows)


# Facts brought back by the replication come from the téléservices database: untrusted input.
# Each claim names the school and the kind of code it says it is about; a claim whose code is
# unknown, of another school or kind, or no longer valid is refused (never recorded) and reported.

REFUSED_UNKNOWN = "code inconnu"
REFUSED_SCHOOL = "code d'un autre établissement"
REFUSED_KIND = "code d'un autre type"
REFUSED_INVALID = "code invalide"


@dataclass(frozen=True)
class UsageClaim:
    """A code used on the portal (account created or child attached), as the portal claims it."""

    code_id: int
    account_id: int
    used_at: datetime.datetime
    school_id: int
    kind: str


@dataclass(frozen=True)
class ContinuityClaim:
    """A new code attached to an existing account by continuity of access (C7)."""

    code_id: int
    account_id: int
    school_id: int
    kind: str


@dataclass(frozen=True)
class LockClaim:
    """A code locked on the portal after five wrong birth dates."""

    code_id: int
    locked_at: datetime.datetime
    school_id: int
    kind: str


@dataclass(frozen=True)
class RefusedClaim:
    """A claim not recorded, and why (French, for the run's log)."""

    code_id: int
    reason: str

    def __str__(self) -> str:
        return f"code {self.code_id} refusé : {self.reason}"


@dataclass
class Recorded:
    """What a record call did: claims recorded, claims already recorded (re-applied), claims refused."""

    recorded: int = 0
    already: int = 0
    refused: list[RefusedClaim] = field(default_factory=list)


def _claimed_codes(claims: Sequence, report: Recorded) -> dict[int, ActivationCode]:
    """The codes of the claims that hold (locked), the others refused and logged in `report`."""
    by_pk = {
        c.pk: c
        for c in ActivationCode.objects.select_for_update()
        .filter(pk__in={claim.code_id for claim in claims})
        .order_by("pk")
    }
    accepted: dict[int, ActivationCode] = {}
    for claim in claims:
        code = by_pk.get(claim.code_id)
        if code is None:
            reason = REFUSED_UNKNOWN
        elif code.school_id != claim.school_id:
            reason = REFUSED_SCHOOL
        elif code.kind != claim.kind:
            reason = REFUSED_KIND
        elif not code.is_valid:
            reason = REFUSED_INVALID
        else:
            accepted[claim.code_id] = code
            continue
        refused = RefusedClaim(claim.code_id, reason)
        report.refused.append(refused)
        logger.warning(
            "Refused claim on code %s (school %s, kind %s): %s", claim.code_id, claim.school_id, claim.kind, reason
        )
    return accepted


def codes_usage_record(*, uses: Iterable[UsageClaim]) -> Recorded:
    """Codes used on the portal, brought back by the replication (checked first, see above).

    A code keeps its first use date and gets one "Utilisation" history row, once: re-applying
    the same claim changes nothing. A later claim with another account moves the account id
    (the pair's last account, C6) without a new history row.
    """
    uses = list(uses)
    report = Recorded()
    if not uses:
        return report
    with transaction.atomic():
        codes = _claimed_codes(uses, report)
        changed: dict[int, ActivationCode] = {}
        events = []
        for claim in uses:
            code = codes.get(claim.code_id)
            if code is None:
                continue
            if code.used_at is not None and code.account_id == claim.account_id:
                report.already += 1
                continue
            code.account_id = claim.account_id
            if code.used_at is None:
                code.used_at = code.changed_at = claim.used_at
                code.change_kind = EventKind.USE
                events.append((code.student_id, code.link_id, code.pk, code.kind, code.school_id, claim.used_at))
                report.recorded += 1
            else:
                report.already += 1
            changed[code.pk] = code
        ActivationCode.objects.bulk_update(
            list(changed.values()), ["account_id", "used_at", "changed_at", "change_kind"]
        )
        _events_for_code_rows(events, event=EventKind.USE)
    return report


def codes_continuity_record(
    *,
    attachments: Iterable[ContinuityClaim],
    on: datetime.date | None = None,
    at: datetime.datetime | None = None,
) -> Recorded:
    """Continuity of access (C7): new valid codes attached to an account the guardian already had.

    Stores the account id and the continuity date (the lists show the row in red, the next
    letter is the continuity letter) with a "Continuité d'accès" history row. A code already
    recorded for that account is left alone (re-applying changes nothing).
    """
    attachments = list(attachments)
    report = Recorded()
    if not attachments:
        return report
    on = on or timezone.localdate()
    at = at or timezone.now()
    with transaction.atomic():
        codes = _claimed_codes(attachments, report)
        changed: dict[int, ActivationCode] = {}
        for claim in attachments:
            code = codes.get(claim.code_id)
            if code is None:
                continue
            if code.continuity_at is not None and code.account_id == claim.account_id:
                report.already += 1
                continue
            code.account_id, code.continuity_at = claim.account_id, on
            code.changed_at, code.change_kind = at, EventKind.CONTINUITY
            changed[code.pk] = code
        ActivationCode.objects.bulk_update(
            list(changed.values()), ["account_id", "continuity_at", "changed_at", "change_kind"]
        )
        _events_for_code_rows(
            [(c.student_id, c.link_id, c.pk, c.kind, c.school_id) for c in changed.values()],
            event=EventKind.CONTINUITY,
            at=at,
            by=None,
        )
        report.recorded = len(changed)
    return report


def codes_lock_record(*, locks: Iterable[LockClaim]) -> Recorded:
    """Codes locked on the portal after five wrong birth dates: a "Code bloqué" history row each.

    The code stays valid (the school decides: "Nouveau code" gives the family a working one).
    Re-applying the same lock (same code, same moment) writes nothing.
    """
    locks = list(locks)
    report = Recorded()
    if not locks:
        return report
    with transaction.atomic():
        codes = _claimed_codes(locks, report)
        seen = set(CodeEvent.objects.filter(code_id__in=list(codes), event=EventKind.LOCK).values_list("code_id", "at"))
        rows = []
        for claim in locks:
            code = codes.get(claim.code_id)
            if code is None:
                continue
            if (code.pk, claim.locked_at) in seen:
                report.already += 1
                continue
            seen.add((code.pk, claim.locked_at))
            rows.append((code.student_id, code.link_id, code.pk, code.kind, code.school_id, claim.locked_at))
        _events_for_code_rows(rows, event=EventKind.LOCK)
        report.recorded = len(rows)
    return report


# --- Shared by the CAR and CAE screens: "Nouveau code", refusals --------------------------


@dataclass(frozen=True)
class Regenerated:
    """ "Nouveau code": the new valid code, and whether a valid code was invalidated for it."""

    code: ActivationCode
    replaced: bool


def _codes_of(*, kind: str, target: Target):
    if kind == CodeKind.CAR:
        return ActivationCode.objects.filter(kind=kind, link_id=target.link_id)
    return ActivationCode.objects.filter(kind=kind, student_id=target.student_id)


def code_regenerate(*, kind: str, school: School, target: Target, by) -> Regenerated:
    """Invalidate the target's valid code, if it has one, then create a new valid one.

    The caller checks the kind's rules and holds the lock on the pair or the student.
    """
    at = timezone.now()
    with transaction.atomic():
        replaced = codes_invalidate(
            codes_qs=_codes_of(kind=kind, target=target), by=by, detail="Remplacé par un nouveau code", at=at
        )
        (new,) = codes_create_bulk(kind=kind, school=school, targets=[target], by=by, at=at)
    return Regenerated(code=ActivationCode.objects.get(pk=new.pk), replaced=bool(replaced))


def access_refusals_create(
    *, kind: str, school: School, targets: Sequence[Target], by, at: datetime.datetime | None = None
) -> None:
    """Record the refusals of these targets with their history rows (the caller checked none exists)."""
    at = at or timezone.now()
    by_id = getattr(by, "pk", None)
    AccessRefusal.objects.bulk_create(
        [
            AccessRefusal(
                kind=kind,
                school=school,
                student_id=t.student_id,
                link_id=t.link_id,
                recorded_at=at,
                recorded_by_id=by_id,
            )
            for t in targets
        ]
    )
    code_events_create(
        kind=kind,
        school=school,
        rows=[(t.student_id, t.link_id, None) for t in targets],
        event=EventKind.REFUSAL,
        at=at,
        by=by,
    )
    if kind == CodeKind.CAR:
        codes_revoked_announce(refused_link_ids=[t.link_id for t in targets])
    else:
        codes_revoked_announce(refused_student_ids=[t.student_id for t in targets])


def access_refusals_lift(*, kind: str, school: School, refusals_qs, by) -> int:
    """Lift the refusals of the queryset (rows deleted), with a history row each; how many."""
    with transaction.atomic():
        refusals = list(
            refusals_qs.select_for_update()
            .filter(kind=kind, school=school)
            .values_list("pk", "student_id", "link_id")
            .order_by("pk")
        )
        if not refusals:
            return 0
        AccessRefusal.objects.filter(pk__in=[r[0] for r in refusals]).delete()
        code_events_create(
            kind=kind,
            school=school,
            rows=[(student_id, link_id, None) for _, student_id, link_id in refusals],
            event=EventKind.REFUSAL_LIFTED,
            at=timezone.now(),
            by=by,
        )
    return len(refusals)
