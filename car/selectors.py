"""Reads of the guardians' code screens (C2, C5, C8): one query per list.

What the CAE screens share with these (the selection, the valid-code annotations, the
history) is `codes.selectors`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from codes.models import CodeKind
from codes.selectors import GUARDIAN_VALUE_FIELDS, WHOLE_SCHOOL, Selection, guardian_columns, valid_code_annotations
from siecle.models import LEGAL_RANKS, GuardianLink, LegalRank, School


def car_pairs(*, school: School, selection: Selection = WHOLE_SCHOOL, without_valid_code: bool = False) -> QuerySet:
    """The (student, legal guardian) pairs of the selection with refusal and valid-CAR facts.

    Each row is a GuardianLink with `student`, `student.division`, `student.mef`, `guardian`
    loaded, and the annotations `refused`, `code_id`, `code_sealed`, `notified_at`,
    `notification_mode`, `used_at`, `continuity_at` (None when the pair has no valid code).
    """
    qs = (
        GuardianLink.objects.filter(
            selection.q(school, "student__"),
            legal_rank__in=LEGAL_RANKS,
        )
        .select_related("student__division", "student__mef", "guardian")
        .annotate(**valid_code_annotations(kind=CodeKind.CAR, owner="link"))
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


def car_pair_values(*, school: School, selection: Selection = WHOLE_SCHOOL, without_valid_code: bool = False):
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
        *(f"guardian__{f}" for f in GUARDIAN_VALUE_FIELDS),
    )


def car_pair_rows(values: Iterable[tuple]) -> list[PairRow]:
    """Tuples of `car_pair_values` as plain rows: no model instance per line."""
    ranks = dict(LegalRank.choices)
    table = []
    for pk, last, first, division, rank, refused, code_id, notified_at, continuity_at, *guardian in values:
        person = guardian_columns(guardian)
        table.append(
            PairRow(
                pk=pk,
                student_name=f"{last} {first}",
                division=division or "—",
                guardian_name=person.name,
                rank_label=ranks.get(rank, ""),
                address=person.address,
                refused=refused,
                code_id=code_id,
                notified_at=notified_at,
                continuity_at=continuity_at,
            )
        )
    return table


def car_creatable_pairs(*, school: School, selection: Selection = WHOLE_SCHOOL) -> QuerySet:
    """The pairs of the selection that may get a CAR now: no valid code, no refusal (C2 "tout cocher")."""
    return car_pairs(school=school, selection=selection, without_valid_code=True).filter(refused=False)


def car_creatable_link_ids(*, school: School, selection: Selection = WHOLE_SCHOOL) -> list[int]:
    return list(car_creatable_pairs(school=school, selection=selection).order_by().values_list("pk", flat=True))
