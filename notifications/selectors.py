"""Who a mass notification is about (SPEC C3, D2): the lists of the two "Notifier en masse" screens.

The same querysets feed the screens, the services that send and the `notify_codes` command, so
the list a head sees is exactly what "Notifier" sends. Rules in one place:
- C3: legal guardians 1 and/or 2 of the students present in the selection, whose pair holds a
  valid CAR and has no refusal on record; "who" narrows to pairs never notified, or notified
  whose code is attached to no account yet, or keeps them all.
- D2: the students present in the selection (each holds a valid CAE); "who" keeps only those
  never notified, or all; the refusal filter keeps all, only those who refused, or the others.
Every list is read in one query per page (values, no model instance per line).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import F, QuerySet

from cae.selectors import cae_students
from car.selectors import car_pairs
from codes.models import NotificationMode
from codes.selectors import GUARDIAN_VALUE_FIELDS, Selection, guardian_columns
from siecle.models import LEGAL_RANKS, LegalRank, School, Student

from .content import checked_email

# "who" of C3 (the command's --who values too).
WHO_NEW = "new"
WHO_NO_ACCOUNT = "no-account"
WHO_ALL = "all"
GUARDIAN_WHO = (WHO_NEW, WHO_NO_ACCOUNT, WHO_ALL)
# "who" of D2: never notified, or all.
STUDENT_WHO = (WHO_NEW, WHO_ALL)

# Transmission modes of C3 (the command's --mode values too).
MODE_EMAIL = "email"
MODE_LETTER = "letter"
MODE_BOTH = "both"
MODES = (MODE_EMAIL, MODE_LETTER, MODE_BOTH)

# Refusal filter of D2: Tous / Oui / Non.
REFUSED_ALL = "all"
REFUSED_YES = "yes"
REFUSED_NO = "no"
REFUSED_FILTERS = (REFUSED_ALL, REFUSED_YES, REFUSED_NO)


def guardian_pairs_to_notify(
    *, school: School, selection: Selection, ranks: Sequence[int] = LEGAL_RANKS, who: str = WHO_ALL
) -> QuerySet:
    """C3: the pairs of the selection that a mass notification may send a CAR to.

    Rows are `car.selectors.car_pairs` rows (GuardianLink with the valid-code annotations) plus
    `code_account_id`, the account the valid code is attached to (None when none).
    """
    if who not in GUARDIAN_WHO:
        raise ValueError(f"Unknown population {who!r}")
    ranks = [r for r in ranks if r in LEGAL_RANKS]
    qs = (
        car_pairs(school=school, selection=selection)
        .annotate(code_account_id=F("valid_code__account_id"))
        .filter(legal_rank__in=ranks, code_id__isnull=False, refused=False)
    )
    if who == WHO_NEW:
        qs = qs.filter(notified_at__isnull=True)
    elif who == WHO_NO_ACCOUNT:
        qs = qs.filter(notified_at__isnull=False, code_account_id__isnull=True)
    return qs


def students_to_notify(
    *, school: School, selection: Selection, who: str = WHO_ALL, refused: str = REFUSED_ALL
) -> QuerySet[Student]:
    """D2: the students of the selection holding a valid CAE, filtered by notification and refusal."""
    if who not in STUDENT_WHO:
        raise ValueError(f"Unknown population {who!r}")
    if refused not in REFUSED_FILTERS:
        raise ValueError(f"Unknown refusal filter {refused!r}")
    qs = cae_students(school=school, selection=selection).filter(code_id__isnull=False)
    if who == WHO_NEW:
        qs = qs.filter(notified_at__isnull=True)
    if refused == REFUSED_YES:
        qs = qs.filter(refused=True)
    elif refused == REFUSED_NO:
        qs = qs.filter(refused=False)
    return qs


# --- Rows of the C3 list ---------------------------------------------------------------------


@dataclass(slots=True)
class GuardianNotifyRow:
    """One line of the C3 list: the manual's columns, continuity lines shown in red."""

    pk: int
    student_name: str
    division: str
    guardian_name: str
    rank_label: str
    address: str
    email: str
    notified_at: datetime.date | None
    mode_label: str
    continuity_at: datetime.date | None

    @property
    def is_continuity(self) -> bool:
        return self.continuity_at is not None

    def contact(self, mode: str) -> str:
        """The "Adresse / Courriel" column: what the chosen mode would use ("" when nothing)."""
        if mode == MODE_EMAIL:
            return self.email
        if mode == MODE_LETTER:
            return self.address
        return self.email or self.address


def guardian_notify_values(qs: QuerySet):
    """`guardian_pairs_to_notify` as tuples for `guardian_notify_rows` (slice it to read one page)."""
    return qs.values_list(
        "pk",
        "student__last_name",
        "student__first_name",
        "student__division__code",
        "legal_rank",
        "notified_at",
        "notification_mode",
        "continuity_at",
        *(f"guardian__{f}" for f in GUARDIAN_VALUE_FIELDS),
    )


def guardian_notify_rows(values: Iterable[tuple]) -> list[GuardianNotifyRow]:
    ranks, modes = dict(LegalRank.choices), dict(NotificationMode.choices)
    rows = []
    for pk, last, first, division, rank, notified_at, mode, continuity_at, *guardian in values:
        person = guardian_columns(guardian)
        rows.append(
            GuardianNotifyRow(
                pk=pk,
                student_name=f"{last} {first}",
                division=division or "—",
                guardian_name=person.name,
                rank_label=ranks.get(rank, ""),
                address=person.address if person.has_postal_address else "",
                email=checked_email(person.email),
                notified_at=notified_at,
                mode_label=modes.get(mode or "", ""),
                continuity_at=continuity_at,
            )
        )
    return rows


# --- Rows of the D2 list -----------------------------------------------------------------------


@dataclass(slots=True)
class StudentNotifyRow:
    pk: int
    student_name: str
    division: str
    notified_at: datetime.date | None
    refused: bool
    continuity_at: datetime.date | None

    @property
    def is_continuity(self) -> bool:
        return self.continuity_at is not None


def student_notify_values(qs: QuerySet):
    return qs.values_list("pk", "last_name", "first_name", "division__code", "notified_at", "refused", "continuity_at")


def student_notify_rows(values: Iterable[tuple]) -> list[StudentNotifyRow]:
    return [
        StudentNotifyRow(
            pk=pk,
            student_name=f"{last} {first}",
            division=division or "—",
            notified_at=notified_at,
            refused=refused,
            continuity_at=continuity_at,
        )
        for pk, last, first, division, notified_at, refused, continuity_at in values
    ]


# --- The result page of a notification ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What a notification run started (the record `notifications.services` writes)."""

    letters_job_id: str | None
    letters: int
    emails: int
    batch: str | None
    skipped: list[tuple[str, str]]


def notification_run_summary(*, run) -> RunSummary:
    result = run.result or {}
    return RunSummary(
        letters_job_id=result.get("letters_job"),
        letters=int(result.get("letters") or 0),
        emails=int(result.get("emails") or 0),
        batch=result.get("batch"),
        skipped=[(str(name), str(reason)) for name, reason in result.get("skipped") or []],
    )
