"""Reads shared by the CAR and CAE screens: which students a list is about, a code's facts as
annotations, the history of a pair or a student, the account block's account.

A valid code is at most one row per pair or per student (partial unique index), so the lists
join it with a filtered LEFT JOIN and read it as annotations: never a query per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace

from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, QuerySet

from siecle.models import Division, Guardian, GuardianLink, Mef, School, Student, search_key

from .models import AccessRefusal, ActivationCode, CodeEvent, CodeKind


@dataclass(frozen=True)
class Selection:
    """Which students a list is about: the whole school, a MEF or a division, first letters of the name."""

    mef: Mef | None = None
    division: Division | None = None
    name_prefix: str = ""

    def q(self, school: School, prefix: str = "") -> Q:
        """The condition on students (through `prefix`, e.g. "student__"): a join, not a subquery.

        A join lets every database start from the school's students; `pk__in=<subquery>`
        made SQLite cross the school's guardians with its students (8 s for 2,500 students).
        """
        q = Q(**{f"{prefix}school": school, f"{prefix}has_left": False})
        if self.mef is not None:
            q &= Q(**{f"{prefix}mef": self.mef})
        if self.division is not None:
            q &= Q(**{f"{prefix}division": self.division})
        if self.name_prefix:
            q &= Q(**{f"{prefix}search_name__startswith": search_key(self.name_prefix)})
        return q

    def students(self, school: School) -> QuerySet[Student]:
        return Student.objects.filter(self.q(school))


WHOLE_SCHOOL = Selection()  # the default of every list: all the students present


# --- The guardian's columns of the code lists, read as plain values (thousands of lines) ---------

# Read with `values_list(*(f"guardian__{f}" for f in GUARDIAN_VALUE_FIELDS))`, after the list's own.
GUARDIAN_VALUE_FIELDS = (
    "civility",
    "last_name",
    "first_name",
    "address_line1",
    "address_line2",
    "address_line3",
    "address_line4",
    "postcode",
    "city",
    "country",
    "email",
)


@dataclass(frozen=True, slots=True)
class GuardianColumns:
    name: str  # "MME DUPONT Marie", as Guardian.display_name
    address: str  # the address lines joined, "" when there are none
    has_postal_address: bool  # as Guardian.has_postal_address: enough for a letter
    email: str  # as stored in SIECLE: check it before using it


def guardian_columns(values: Sequence) -> GuardianColumns:
    """The columns of one guardian from his GUARDIAN_VALUE_FIELDS values, by the model's own rules."""
    person = SimpleNamespace(**dict(zip(GUARDIAN_VALUE_FIELDS, values, strict=True)))
    return GuardianColumns(
        name=Guardian.display_name.fget(person),
        address=", ".join(Guardian.address_lines.fget(person)),
        has_postal_address=Guardian.has_postal_address.fget(person),
        email=person.email,
    )


def valid_code_annotations(*, kind: str, owner: str) -> dict:
    """Annotations of a list row (a link or a student) read from its valid code of this kind.

    `owner` is the field the refusal points to from the row ("link" or "student"). Gives
    `refused`, `code_id`, `code_sealed` (the code, sealed: `codes.sealing.unseal` opens it
    where a person must read it), `notified_at`, `notification_mode`, `used_at`,
    `continuity_at` (None when there is no valid code).
    """
    return {
        "valid_code": FilteredRelation(
            "activation_codes",
            condition=Q(activation_codes__is_valid=True, activation_codes__kind=kind),
        ),
        "refused": Exists(AccessRefusal.objects.filter(kind=kind, **{owner: OuterRef("pk")})),
        "code_id": F("valid_code__id"),
        "code_sealed": F("valid_code__value_sealed"),
        "notified_at": F("valid_code__notified_at"),
        "notification_mode": F("valid_code__notification_mode"),
        "used_at": F("valid_code__used_at"),
        "continuity_at": F("valid_code__continuity_at"),
    }


def _owned(qs, *, link: GuardianLink | None, student: Student | None):
    if link is not None:
        return qs.filter(kind=CodeKind.CAR, link=link)
    return qs.filter(kind=CodeKind.CAE, student=student)


def code_history(*, link: GuardianLink | None = None, student: Student | None = None) -> list[ActivationCode]:
    """The codes of a pair (its CARs) or of a student (his CAEs), newest first."""
    return list(_owned(ActivationCode.objects, link=link, student=student).order_by("-created_at", "-pk"))


def code_events(*, link: GuardianLink | None = None, student: Student | None = None) -> list[CodeEvent]:
    """Every event of a pair (CAR) or of a student (CAE), newest first, with the user who acted."""
    qs = CodeEvent.objects.select_related("code", "by").order_by("-at", "-pk")
    return list(_owned(qs, link=link, student=student))


def access_refused(*, link: GuardianLink | None = None, student: Student | None = None) -> bool:
    """A refusal is on record for the pair (CAR) or the student (CAE)."""
    return _owned(AccessRefusal.objects, link=link, student=student).exists()


def last_account_id(*, codes: list[ActivationCode]) -> int | None:
    """The account of the last code ever attached to one (C6, D3): the account block shows it."""
    attached = [c for c in codes if c.account_id is not None]
    if not attached:
        return None
    return max(attached, key=lambda c: (c.used_at or c.changed_at, c.pk)).account_id
