"""What a family reads on the consultation pages of one child (SPEC F4): absences, notes, LPC, B2i.

Reads only. The replication copied down only what may be published (docs/consultation.md): the
portal applies no publication rule, it groups and orders. Every page starts with
`consultation_child`, which answers None (the view then answers 404) for a child the account does
not reach, a child that does not exist, and a service the child's school has not open: one answer
for "not yours" and "does not exist". A constant number of queries per page, whatever the rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Max, Min

from .catalogue import B2I_DOMAINS, B2I_ITEMS, LPC_COMPETENCES
from .family import code_opens
from .models import Absence, Account, Attachment, B2iItem, Code, Competence, Mark, Student

# --- The child, if the account reaches him and his school has the service open ------------

# The menu of a child's services on his pages: short labels, in the order families read them.
SERVICE_TABS = {
    "absences": "Absences",
    "notes": "Notes",
    "lpc": "Livret de compétences",
    "b2i": "B2i",
}


@dataclass(frozen=True)
class ServiceTab:
    code: str
    label: str


@dataclass(frozen=True)
class ConsultedChild:
    """The header of a consultation page: who, which class, which school (as the manual's LPC page)."""

    student_id: int
    first_name: str
    last_name: str
    birth_date: dt.date | None
    division: str
    school_name: str
    school_address_lines: tuple[str, ...]
    services: tuple[ServiceTab, ...]  # the services open at the child's school (SERVICE_TABS' order)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def consultation_child(*, account: Account, student_id: int, service: str) -> ConsultedChild | None:
    """The child `student_id` of `account` when `service` is open at his school; None otherwise.

    Same rule as the home page: an attachment of the account whose code row still exists and
    names this student (a revoked code's row is gone), and not a student's own code once his
    access was refused. Two queries.
    """
    codes = list(
        Code.objects.filter(
            student_id=student_id,
            id__in=Attachment.objects.filter(account=account).values("code_id"),
        )
    )
    if not codes:
        return None
    student = Student.objects.select_related("school", "division").filter(pk=student_id).first()
    if student is None or not any(code_opens(code=code, student=student) for code in codes):
        return None
    school = student.school
    if service not in school.services:
        return None
    lines = [line for line in (school.address_line1, school.address_line2) if line]
    city = " ".join(part for part in (school.postcode, school.city) if part)
    if city:
        lines.append(city)
    division = (student.division.label or student.division.code) if student.division else ""
    return ConsultedChild(
        student_id=student.pk,
        first_name=student.first_name,
        last_name=student.last_name,
        birth_date=student.birth_date,
        division=division,
        school_name=school.name,
        school_address_lines=tuple(lines),
        services=tuple(ServiceTab(code=c, label=label) for c, label in SERVICE_TABS.items() if c in school.services),
    )


# --- School years: long lists are shown one school year at a time ---------------------------


def school_year_of(day: dt.date) -> int:
    """The school year of a day, by its first calendar year (1 September to 31 August)."""
    return day.year if day.month >= 9 else day.year - 1


@dataclass(frozen=True)
class SchoolYears:
    shown: int  # the school year on screen (its first calendar year)
    available: tuple[int, ...]  # newest first: the current one and every year with rows

    @property
    def label(self) -> str:
        return year_label(self.shown)

    @property
    def options(self) -> list[tuple[int, str]]:
        return [(year, year_label(year)) for year in self.available]


def year_label(year: int) -> str:
    return f"{year}-{year + 1}"


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 9, 1), dt.date(year + 1, 8, 31)


# --- Absences (B6): half-days per week --------------------------------------------------------

HALF_DAY_LABELS = {"M": "matin", "A": "après-midi"}


@dataclass(frozen=True)
class AbsenceDay:
    date: dt.date
    half_days: tuple[str, ...]  # "matin", "après-midi"


@dataclass(frozen=True)
class AbsenceWeek:
    monday: dt.date
    count: int  # half-days with at least one published absence
    days: tuple[AbsenceDay, ...]


def absence_rows(*, student_id: int):
    return Absence.objects.filter(student_id=student_id)


def absence_weeks(*, student_id: int, year: int) -> list[AbsenceWeek]:
    """The weeks of a school year with at least one published half-day, newest first (one query)."""
    start, end = _year_bounds(year)
    halves: dict[dt.date, set[str]] = defaultdict(set)
    for date, half_day in (
        absence_rows(student_id=student_id).filter(date__range=(start, end)).values_list("date", "half_day")
    ):
        halves[date].add(half_day)
    weeks: dict[dt.date, list[AbsenceDay]] = defaultdict(list)
    for date in sorted(halves):
        ordered = tuple(HALF_DAY_LABELS.get(h, h) for h in sorted(halves[date], key=lambda h: h != "M"))
        weeks[date - dt.timedelta(days=date.weekday())].append(AbsenceDay(date=date, half_days=ordered))
    return [
        AbsenceWeek(monday=monday, count=sum(len(d.half_days) for d in days), days=tuple(days))
        for monday, days in sorted(weeks.items(), reverse=True)
    ]


# --- Notes (B5): per subject, newest first ----------------------------------------------------

STATUS_WORDS = {"abs": "Absent", "disp": "Dispensé", "nn": "Non noté"}
TWENTY = Decimal(20)
HUNDREDTH = Decimal("0.01")


def decimal_fr(value: Decimal) -> str:
    """12.50 → "12,5", 1.00 → "1": the French way, without trailing zeros."""
    text = format(value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


@dataclass(frozen=True)
class MarkLine:
    evaluated_on: dt.date
    label: str
    result: str  # "15,5/20", or a status in words
    coefficient: str
    marked: bool


@dataclass
class SubjectMarks:
    subject: str
    lines: list[MarkLine] = field(default_factory=list)
    average: Decimal | None = None  # weighted, out of 20; None without a mark that counts

    @property
    def average_text(self) -> str:
        return decimal_fr(self.average) if self.average is not None else ""


def mark_rows(*, student_id: int):
    return Mark.objects.filter(student_id=student_id)


def weighted_average(marks: list[tuple[Decimal, int, Decimal]]) -> Decimal | None:
    """The weighted average out of 20 of (value, scale, coefficient) triples, rounded to 0.01.

    Each mark is first brought to 20 (value / scale × 20), so marks out of 10 and out of 40 count
    alike; a zero coefficient or a zero scale does not count; None when nothing counts.
    """
    total = Decimal(0)
    weights = Decimal(0)
    for value, scale, coefficient in marks:
        if not scale or coefficient <= 0:
            continue
        total += value / Decimal(scale) * TWENTY * coefficient
        weights += coefficient
    if not weights:
        return None
    return (total / weights).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def mark_subjects(*, student_id: int, year: int) -> list[SubjectMarks]:
    """The published marks of a school year by subject (alphabetical), newest first (one query)."""
    start, end = _year_bounds(year)
    subjects: dict[str, SubjectMarks] = {}
    counted: dict[str, list[tuple[Decimal, int, Decimal]]] = defaultdict(list)
    rows = (
        mark_rows(student_id=student_id)
        .filter(evaluated_on__range=(start, end))
        .order_by("subject", "-evaluated_on", "-id")
        .values_list("subject", "label", "evaluated_on", "coefficient", "scale", "status", "value")
    )
    for subject, label, evaluated_on, coefficient, scale, status, value in rows:
        block = subjects.setdefault(subject, SubjectMarks(subject=subject))
        marked = status == "note" and value is not None
        if marked:
            result = f"{decimal_fr(value)}/{scale}"
            counted[subject].append((value, scale, coefficient))
        else:
            result = STATUS_WORDS.get(status, "Non noté")
        block.lines.append(
            MarkLine(
                evaluated_on=evaluated_on,
                label=label,
                result=result,
                coefficient=decimal_fr(coefficient),
                marked=marked,
            )
        )
    for subject, block in subjects.items():
        block.average = weighted_average(counted[subject])
    return list(subjects.values())


def mark_years(*, student_id: int, asked: str | None, today: dt.date) -> SchoolYears:
    bounds = mark_rows(student_id=student_id).aggregate(first=Min("evaluated_on"), last=Max("evaluated_on"))
    return _years_from(bounds, asked=asked, today=today)


def absence_years(*, student_id: int, asked: str | None, today: dt.date) -> SchoolYears:
    bounds = absence_rows(student_id=student_id).aggregate(first=Min("date"), last=Max("date"))
    return _years_from(bounds, asked=asked, today=today)


def _years_from(bounds: dict, *, asked: str | None, today: dt.date) -> SchoolYears:
    current = school_year_of(today)
    years = {current}
    if bounds["first"] and bounds["last"]:
        years.update(range(school_year_of(bounds["first"]), school_year_of(bounds["last"]) + 1))
    shown = int(asked) if asked and asked.isdigit() and int(asked) in years else current
    return SchoolYears(shown=shown, available=tuple(sorted(years, reverse=True)))


# --- LPC (B7): the seven competences of palier 3 ----------------------------------------------


@dataclass(frozen=True)
class CompetenceLine:
    number: int
    label: str
    validated_on: dt.date | None


def lpc_competences(*, student_id: int) -> list[CompetenceLine]:
    """The seven competences in order, each with its (first) published validation date (one query)."""
    validated: dict[int, dt.date] = {}
    for number, day in Competence.objects.filter(student_id=student_id).values_list("competence", "validated_on"):
        if number not in validated or day < validated[number]:
            validated[number] = day
    return [
        CompetenceLine(number=number, label=label, validated_on=validated.get(number))
        for number, label in sorted(LPC_COMPETENCES.items())
    ]


# --- B2i: the items validated, by domain ------------------------------------------------------


@dataclass(frozen=True)
class B2iLine:
    code: str
    label: str
    validated_on: dt.date


@dataclass(frozen=True)
class B2iDomain:
    number: int
    title: str
    items: tuple[B2iLine, ...]
    total: int  # items of the domain in the national list


def b2i_domains(*, student_id: int) -> list[B2iDomain]:
    """Every domain in order with the items validated in it (by item code); one query."""
    validated: dict[str, dt.date] = {}
    for code, day in B2iItem.objects.filter(student_id=student_id).values_list("item", "validated_on"):
        if code in B2I_ITEMS and (code not in validated or day < validated[code]):
            validated[code] = day
    domains = []
    for number, title in sorted(B2I_DOMAINS.items()):
        codes = [item.code for item in B2I_ITEMS.values() if item.domain == number]
        items = tuple(
            B2iLine(code=code, label=B2I_ITEMS[code].label, validated_on=validated[code])
            for code in codes
            if code in validated
        )
        domains.append(B2iDomain(number=number, title=title, items=items, total=len(codes)))
    return domains
