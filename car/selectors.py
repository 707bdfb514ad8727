"""Reads of the code screens (C2, C5, C8; D3 uses the same shapes): one query per list.

A pair's valid code is at most one row (partial unique index), so it is joined with a
filtered LEFT JOIN and read as annotations: the lists never issue a query per row.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace

from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, QuerySet

from siecle.models import Division, Guardian, GuardianLink, LegalRank, Mef, School, Student, search_key

from .models import AccessRefusal, ActivationCode, CodeEvent, CodeKind

LEGAL_RANKS = (LegalRank.LEGAL_1, LegalRank.LEGAL_2)


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


_VALID_CODE_FIELDS = {
    "code_id": F("valid_code__id"),
    "code_value": F("valid_code__value"),
    "notified_at": F("valid_code__notified_at"),
    "notification_mode": F("valid_code__notification_mode"),
    "used_at": F("valid_code__used_at"),
    "continuity_at": F("valid_code__continuity_at"),
}


def car_pairs(*, school: School, selection: Selection = Selection(), without_valid_code: bool = False) -> QuerySet:
    """The (student, legal guardian) pairs of the selection with refusal and valid-CAR facts.

    Each row is a GuardianLink with `student`, `student.division`, `student.mef`, `guardian`
    loaded, and the annotations `refused`, `code_id`, `code_value`, `notified_at`,
    `notification_mode`, `used_at`, `continuity_at` (None when the pair has no valid code).
    """
    qs = (
        GuardianLink.objects.filter(
            selection.q(school, "student__"),
            legal_rank__in=LEGAL_RANKS,
        )
        .select_related("student__division", "student__mef", "guardian")
        .annotate(
            valid_code=FilteredRelation(
                "activation_codes",
                condition=Q(activation_codes__is_valid=True, activation_codes__kind=CodeKind.CAR),
            ),
            refused=Exists(AccessRefusal.objects.filter(kind=CodeKind.CAR, link=OuterRef("pk"))),
            **_VALID_CODE_FIELDS,
        )
        .order_by("student__search_name", "student__last_name", "student__first_name", "student_id", "legal_rank", "pk")
    )
    if without_valid_code:
        qs = qs.filter(code_id__isnull=True)
    return qs


@dataclass(slots=True)
class PairRow:
    """One line of the mass-creation list, read without building model instances (thousands of lines)."""

    pk: int
    student_name: str
    division: str
    guardian_name: str
    rank_label: str
    address: str
    refused: bool
    code_id: int | None
    notified_at: datetime.date | None
    continuity_at: datetime.date | None

    @property
    def can_create(self) -> bool:
        return not self.refused and self.code_id is None

    @property
    def can_withdraw(self) -> bool:
        """A valid code never sent may be withdrawn from the mass screen (manual §5.4.1)."""
        return self.code_id is not None and self.notified_at is None


_GUARDIAN_FIELDS = (
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
)


def car_pair_values(*, school: School, selection: Selection = Selection(), without_valid_code: bool = False):
    """`car_pairs` as tuples for `car_pair_rows` (slice it to read one page)."""
    return car_pairs(school=school, selection=selection, without_valid_code=without_valid_code).values_list(
        "pk",
        "student__last_name",
        "student__first_name",
        "student__division__code",
        "legal_rank",
        "refused",
        "code_id",
        "notified_at",
        "continuity_at",
        *(f"guardian__{f}" for f in _GUARDIAN_FIELDS),
    )


def car_pair_rows(values: Iterable[tuple]) -> list[PairRow]:
    """Tuples of `car_pair_values` as plain rows: no model instance per line."""
    ranks = dict(LegalRank.choices)
    display_name, address_lines = Guardian.display_name.fget, Guardian.address_lines.fget
    table = []
    for pk, last, first, division, rank, refused, code_id, notified_at, continuity_at, *guardian in values:
        person = SimpleNamespace(**dict(zip(_GUARDIAN_FIELDS, guardian, strict=True)))
        table.append(
            PairRow(
                pk=pk,
                student_name=f"{last} {first}",
                division=division or "—",
                guardian_name=display_name(person),
                rank_label=ranks.get(rank, ""),
                address=", ".join(address_lines(person)),
                refused=refused,
                code_id=code_id,
                notified_at=notified_at,
                continuity_at=continuity_at,
            )
        )
    return table


def car_pair_table(
    *, school: School, selection: Selection = Selection(), without_valid_code: bool = False
) -> list[PairRow]:
    """Every pair of the selection as plain rows, in one query (bench, small selections)."""
    return car_pair_rows(car_pair_values(school=school, selection=selection, without_valid_code=without_valid_code))


def car_creatable_pairs(*, school: School, selection: Selection = Selection()) -> QuerySet:
    """The pairs of the selection that may get a CAR now: no valid code, no refusal (C2 "tout cocher")."""
    return car_pairs(school=school, selection=selection, without_valid_code=True).filter(refused=False)


def car_creatable_link_ids(*, school: School, selection: Selection = Selection()) -> list[int]:
    return list(car_creatable_pairs(school=school, selection=selection).order_by().values_list("pk", flat=True))


def car_pair_codes(*, link: GuardianLink) -> list[ActivationCode]:
    """The history of the pair's codes, newest first (the manual's "Liste des codes d'accès")."""
    return list(ActivationCode.objects.filter(kind=CodeKind.CAR, link=link).order_by("-created_at", "-pk"))


def pair_events(*, link: GuardianLink | None = None, student: Student | None = None, kind: str = CodeKind.CAR):
    """Every event of a pair (or of a student's CAE), newest first, with the user who acted."""
    qs = CodeEvent.objects.filter(kind=kind).select_related("code", "by").order_by("-at", "-pk")
    if link is not None:
        return list(qs.filter(link=link))
    return list(qs.filter(student=student))


def car_pair_refused(*, link: GuardianLink) -> bool:
    return AccessRefusal.objects.filter(kind=CodeKind.CAR, link=link).exists()


def last_account_id(*, codes: list[ActivationCode]) -> int | None:
    """The account of the last code ever attached to one (C6, D3): the account block shows it."""
    attached = [c for c in codes if c.account_id is not None]
    if not attached:
        return None
    return max(attached, key=lambda c: (c.used_at or c.changed_at, c.pk)).account_id


def cae_students(*, school: School, selection: Selection = Selection()) -> QuerySet[Student]:
    """The students of the selection with refusal and valid-CAE facts (same annotations as `car_pairs`)."""
    return (
        selection.students(school)
        .select_related("division", "mef")
        .annotate(
            valid_code=FilteredRelation(
                "activation_codes",
                condition=Q(activation_codes__is_valid=True, activation_codes__kind=CodeKind.CAE),
            ),
            refused=Exists(AccessRefusal.objects.filter(kind=CodeKind.CAE, student=OuterRef("pk"))),
            **_VALID_CODE_FIELDS,
        )
        .order_by("search_name", "last_name", "first_name", "pk")
    )


def cae_student_codes(*, student: Student) -> list[ActivationCode]:
    return list(ActivationCode.objects.filter(kind=CodeKind.CAE, student=student).order_by("-created_at", "-pk"))


def cae_student_refused(*, student: Student) -> bool:
    return AccessRefusal.objects.filter(kind=CodeKind.CAE, student=student).exists()
