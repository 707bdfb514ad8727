"""The figures of the two syntheses (SPEC E1, E2) and how they print.

Plain values computed by `stats.selectors`: a row of figures adds up with `+` (the "Somme"
row of a MEF), and its rates are properties, so screens, CSV exports and the academy table
all say the same thing.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Generic, Self, TypeVar

NBSP = "\u00a0"


def percentage(part: int, whole: int) -> Decimal:
    """part / whole * 100, rounded half up to two decimals (0 when there is nothing to count)."""
    if not whole or not part:
        return Decimal(0)
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def format_percent(value: Decimal, *, space: str = NBSP) -> str:
    """As the manual prints rates, in French: "5,56 %", "3,3 %", "50 %", "0 %"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text.replace('.', ',')}{space}%"


def _add(a, b):
    return type(a)(**{f.name: getattr(a, f.name) + getattr(b, f.name) for f in dataclasses.fields(a)})


@dataclass(frozen=True, slots=True)
class StudentFigures:
    """E1, for one division, a MEF, a school."""

    students: int = 0
    refusals: int = 0
    notified: int = 0  # valid CAE notified
    accounts: int = 0  # valid CAE attached to an account
    accounts_this_year: int = 0  # ... first used during the current school year

    def __add__(self, other: Self) -> Self:
        return _add(self, other)

    @property
    def account_rate(self) -> Decimal:
        return percentage(self.accounts, self.students)

    @property
    def account_rate_this_year(self) -> Decimal:
        return percentage(self.accounts_this_year, self.students)

    def cells(self, *, space: str = " ") -> list:
        """The columns of the table, in the screen's order (rates as printed)."""
        return [
            self.students,
            self.refusals,
            self.notified,
            self.accounts,
            format_percent(self.account_rate, space=space),
            format_percent(self.account_rate_this_year, space=space),
        ]


STUDENT_HEADER = [
    "Nombre d'élèves",
    "Nombre de refus téléservices",
    "Nombre de codes notifiés",
    "Nombre de comptes créés",
    "% d'élèves avec un compte",
    "% de comptes créés cette année",
]


@dataclass(frozen=True, slots=True)
class GuardianFigures:
    """E2, for one division, a MEF, a school. Guardians are persons (legal 1 or 2), counted once
    per division and once for the school however many of their children are there."""

    guardians: int = 0
    refusals: int = 0
    notified: int = 0  # holds a valid notified CAR
    notified_this_year: int = 0  # ... notified during the current school year
    accounts: int = 0  # holds a valid CAR attached to an account
    accounts_this_year: int = 0  # ... first used during the current school year
    students: int = 0  # every student of the division who has not left
    students_with_account: int = 0  # ... with at least one guardian counted in `accounts`

    def __add__(self, other: Self) -> Self:
        return _add(self, other)

    @property
    def account_rate(self) -> Decimal:
        return percentage(self.accounts, self.guardians)

    @property
    def account_rate_this_year(self) -> Decimal:
        return percentage(self.accounts_this_year, self.guardians)

    @property
    def student_rate(self) -> Decimal:
        return percentage(self.students_with_account, self.students)

    def cells(self, *, space: str = " ") -> list:
        return [
            self.guardians,
            self.refusals,
            self.notified,
            self.notified_this_year,
            self.accounts,
            format_percent(self.account_rate, space=space),
            format_percent(self.account_rate_this_year, space=space),
            format_percent(self.student_rate, space=space),
        ]


GUARDIAN_HEADER = [
    "Nombre de responsables",
    "Nombre de refus téléservices",
    "Nombre de codes notifiés",
    "Nombre de codes notifiés cette année",
    "Nombre de comptes créés",
    "% de responsables avec un compte",
    "% de comptes créés cette année",
    "% d'élèves avec au moins un responsable ayant un compte",
]

F = TypeVar("F", StudentFigures, GuardianFigures)


@dataclass(frozen=True, slots=True)
class DivisionRow(Generic[F]):
    division: str
    figures: F


@dataclass(frozen=True, slots=True)
class MefGroup(Generic[F]):
    mef: str
    rows: list[DivisionRow[F]]
    total: F


@dataclass(frozen=True, slots=True)
class Synthesis(Generic[F]):
    """The school's figures, then one group per MEF with a row per division and their sum."""

    school: F
    mefs: list[MefGroup[F]]
    year_start: datetime.date
    year_end: datetime.date


@dataclass(frozen=True, slots=True)
class SchoolRow:
    """One school in the academy-wide table."""

    school_id: int
    uaj: str
    name: str
    students: StudentFigures
    guardians: GuardianFigures


@dataclass(frozen=True, slots=True)
class AcademySynthesis:
    rows: list[SchoolRow]
    students: StudentFigures
    guardians: GuardianFigures
