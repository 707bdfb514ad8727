"""Reads of the statistics (SPEC E1, E2): counted in the database, a fixed number of queries.

Each synthesis groups the school's students who have not left (or their links to legal
guardians 1 and 2) by (MEF, division) in ONE query with conditional aggregates; the sum row
of each MEF is added up in Python from those rows. The valid code of a student or of a pair
is at most one row (partial unique index), and so is a refusal: both are LEFT JOINs that
never multiply the rows.

A guardian is a person: he counts once in a division, and once in the school, however many
of his children are there (manual §5.6.2, "nombre de personnes"). So the school's guardian
figures come from one more query over the same links, not from adding up the divisions,
while a MEF's "Somme" row adds up its divisions as the manual's example does.

"Accounts created this year": the valid code attached to an account was first used (the
portal's account creation, or "rattacher un enfant") during the current school year.

Queries: E1 one, E2 three, the academy table three, whatever the size.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TypeVar

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import BooleanField, Count, F, FilteredRelation, Func, Q, QuerySet, Subquery, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce

from codes.models import CodeKind
from siecle.models import LEGAL_RANKS, Academy, GuardianLink, School, Student

from .figures import (
    AcademySynthesis,
    DivisionRow,
    GuardianFigures,
    MefGroup,
    SchoolRow,
    StudentFigures,
    Synthesis,
)

NO_MEF = "Sans MEF"
NO_DIVISION = "Sans division"
EVERYWHERE = Q()  # no condition

Bound = datetime.date | Combinable
FigureT = TypeVar("FigureT", StudentFigures, GuardianFigures)


# --- The conditional aggregates, shared by the school and the academy queries ----------------


def _student_counts(start: Bound, end: Bound) -> dict:
    """Over students annotated with `cae` (valid CAE) and `cae_refusal` (see `_students`)."""
    account = Q(cae__account_id__isnull=False)
    return {
        "students": Count("pk"),
        "refusals": Count("cae_refusal__id"),
        "notified": Count("cae__id", filter=Q(cae__notified_at__isnull=False)),
        "accounts": Count("cae__id", filter=account),
        "accounts_this_year": Count(
            "cae__id", filter=account & Q(cae__used_at__date__gte=start, cae__used_at__date__lte=end)
        ),
    }


def _guardian_counts(start: Bound, end: Bound) -> dict:
    """Over legal links annotated with `car` (valid CAR) and `car_refusal` (see `_links`)."""
    notified = Q(car__notified_at__isnull=False)
    account = Q(car__account_id__isnull=False)
    return {
        "guardians": Count("guardian_id", distinct=True),
        "refusals": Count("guardian_id", distinct=True, filter=Q(car_refusal__id__isnull=False)),
        "notified": Count("guardian_id", distinct=True, filter=notified),
        "notified_this_year": Count(
            "guardian_id",
            distinct=True,
            filter=notified & Q(car__notified_at__gte=start, car__notified_at__lte=end),
        ),
        "accounts": Count("guardian_id", distinct=True, filter=account),
        "accounts_this_year": Count(
            "guardian_id",
            distinct=True,
            filter=account & Q(car__used_at__date__gte=start, car__used_at__date__lte=end),
        ),
        "students_with_account": Count("student_id", distinct=True, filter=account),
    }


def _students(scope: Q, code_scope: Q = EVERYWHERE, refusal_scope: Q = EVERYWHERE) -> QuerySet[Student]:
    """Students present, each with his valid CAE and his CAE refusal joined (at most one each)."""
    return (
        Student.objects.filter(scope, has_left=False)
        .annotate(
            cae=FilteredRelation(
                "activation_codes",
                condition=Q(activation_codes__kind=CodeKind.CAE, activation_codes__is_valid=True) & code_scope,
            ),
            cae_refusal=FilteredRelation(
                "access_refusals", condition=Q(access_refusals__kind=CodeKind.CAE) & refusal_scope
            ),
        )
        .order_by()
    )


def _links(scope: Q, code_scope: Q = EVERYWHERE, refusal_scope: Q = EVERYWHERE) -> QuerySet[GuardianLink]:
    """Legal links of the students of `scope` (present ones only), with the pair's valid CAR and refusal."""
    return (
        GuardianLink.objects.filter(scope, legal_rank__in=LEGAL_RANKS)
        .annotate(
            car=FilteredRelation(
                "activation_codes",
                condition=Q(activation_codes__kind=CodeKind.CAR, activation_codes__is_valid=True) & code_scope,
            ),
            car_refusal=FilteredRelation(
                "access_refusals", condition=Q(access_refusals__kind=CodeKind.CAR) & refusal_scope
            ),
        )
        .order_by()
    )


def _school_students(school: School) -> QuerySet[Student]:
    # The school condition on the joined rows is redundant, but lets PostgreSQL read the codes
    # and refusals through their (school, kind) indexes instead of the whole academy's.
    return _students(Q(school=school), Q(activation_codes__school=school), Q(access_refusals__school=school))


class _EqualsAny(Func):
    """The condition `column = ANY((SELECT ARRAY_AGG(id) ...)::bigint[])` (PostgreSQL)."""

    arg_joiner = " = ANY("
    template = "%(expressions)s::bigint[])"
    output_field = BooleanField()


def _school_links(school: School) -> QuerySet[GuardianLink]:
    """The legal links of the school's present students. Links have no school column.

    On PostgreSQL the students' ids come as one array: the planner cannot guess its size and
    probes the links' student index, where a join let it scan every link of the academy
    (110 ms instead of 8 for 2,500 students among 230,000 links), and the school's total
    needs no join with the students at all.
    """
    if connection.vendor != "postgresql":
        scope = Q(student__school=school, student__has_left=False)
    else:
        ids = (
            Student.objects.filter(school=school, has_left=False)
            .order_by()
            .values("school_id")
            .annotate(ids=ArrayAgg("pk"))
            .values("ids")
        )
        scope = Q(_EqualsAny(F("student_id"), Subquery(ids)))
    return _links(scope, Q(activation_codes__school=school), Q(access_refusals__school=school))


# --- One school ---------------------------------------------------------------------------


def _grouped(
    rows: Iterable[dict], make: type[FigureT], school_total: FigureT | None = None
) -> tuple[FigureT, list[MefGroup[FigureT]]]:
    """Rows keyed by MEF and division into MEF groups (MEF label order, divisions by code)."""
    groups: dict[object, tuple[str, list[DivisionRow[FigureT]]]] = {}
    names = {f for f in make.__dataclass_fields__}
    for row in rows:
        figures = make(**{k: v for k, v in row.items() if k in names})
        mef_label = row["mef_label"] or row["mef_code"] or NO_MEF
        _, division_rows = groups.setdefault(row["mef_key"], (mef_label, []))
        division_rows.append(DivisionRow(division=row["division_code"] or NO_DIVISION, figures=figures))
    mefs = []
    for _mef_key, (label, division_rows) in sorted(
        groups.items(), key=lambda item: (item[0] is None, item[1][0], item[0] or 0)
    ):
        division_rows.sort(key=lambda r: (r.division == NO_DIVISION, r.division))
        total = sum((r.figures for r in division_rows), make())
        mefs.append(MefGroup(mef=label, rows=division_rows, total=total))
    if school_total is None:
        school_total = sum((m.total for m in mefs), make())
    return school_total, mefs


_STUDENT_KEYS = {
    "mef_key": F("mef_id"),
    "mef_label": F("mef__label"),
    "mef_code": F("mef__code"),
    "division_code": F("division__code"),
}


def student_code_synthesis(*, school: School, today: datetime.date | None = None) -> Synthesis[StudentFigures]:
    """E1: students, refusals, notified CAE, accounts, per division, per MEF and for the school. One query."""
    start, end = school.school_year(today)
    rows = (
        _school_students(school)
        .values(**_STUDENT_KEYS, division_key=F("division_id"))
        .annotate(**_student_counts(start, end))
    )
    total, mefs = _grouped(rows, StudentFigures)
    return Synthesis(school=total, mefs=mefs, year_start=start, year_end=end)


def guardian_code_synthesis(*, school: School, today: datetime.date | None = None) -> Synthesis[GuardianFigures]:
    """E2: guardians (persons), refusals, notified CAR, accounts and students reached. Three queries."""
    start, end = school.school_year(today)
    counts = _guardian_counts(start, end)
    per_division = {
        (row.pop("mef_key"), row.pop("division_key")): row
        for row in _school_links(school)
        .values(mef_key=F("student__mef_id"), division_key=F("student__division_id"))
        .annotate(**counts)
    }
    # Every student counts in the rate "students with a guardian holding an account", also
    # those without any legal guardian: their number (and the labels) come from the students.
    rows = []
    for row in (
        Student.objects.filter(school=school, has_left=False)
        .order_by()
        .values(**_STUDENT_KEYS, division_key=F("division_id"))
        .annotate(students=Count("pk"))
    ):
        links = per_division.pop((row["mef_key"], row.pop("division_key")), {})
        rows.append({**links, **row})
    school_row = _school_links(school).aggregate(**counts)
    school_row["students"] = sum(r["students"] for r in rows)
    total, mefs = _grouped(rows, GuardianFigures, GuardianFigures(**school_row))
    return Synthesis(school=total, mefs=mefs, year_start=start, year_end=end)


# --- The academy -----------------------------------------------------------------------------


def _year_bounds(today: datetime.date | None, school_path: str) -> tuple[Combinable, Combinable]:
    """Each school's own school year (its dates, or 1 September – 31 August around today)."""
    default_start, default_end = School(school_year_start=None, school_year_end=None).school_year(today)
    return (
        Coalesce(F(f"{school_path}school_year_start"), Value(default_start)),
        Coalesce(F(f"{school_path}school_year_end"), Value(default_end)),
    )


def academy_code_synthesis(*, academy: Academy, today: datetime.date | None = None) -> AcademySynthesis:
    """Both syntheses for every school of the academy, one row per school (UAJ order). Three queries."""
    start, end = _year_bounds(today, "school__")
    students = {
        row.pop("school_id"): StudentFigures(**row)
        for row in _students(Q(school__academy=academy)).values("school_id").annotate(**_student_counts(start, end))
    }
    start, end = _year_bounds(today, "student__school__")
    guardians = {
        row.pop("school_id"): row
        for row in _links(Q(student__school__academy=academy, student__has_left=False))
        .values(school_id=F("student__school_id"))
        .annotate(**_guardian_counts(start, end))
    }
    rows = []
    for school_id, uaj, name in School.objects.filter(academy=academy).order_by("uaj").values_list("pk", "uaj", "name"):
        student_figures = students.get(school_id, StudentFigures())
        guardian_figures = GuardianFigures(**guardians.get(school_id, {}), students=student_figures.students)
        rows.append(SchoolRow(school_id, uaj, name, student_figures, guardian_figures))
    return AcademySynthesis(
        rows=rows,
        students=sum((r.students for r in rows), StudentFigures()),
        # A guardian belongs to one school: the schools' persons add up to the academy's.
        guardians=sum((r.guardians for r in rows), GuardianFigures()),
    )
