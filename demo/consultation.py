"""A realistic term of consultation data for a demo school: marks, absences, LPC and B2i.

From the first weeks of the school year to yesterday: per division, 6 to 8 subjects with 2 to
4 evaluations each (coefficient 1 or 2, marked on 20 or 10, the teacher's publication date a
few days after the test, so the latest ones are still to come), each student's result (mostly
a mark, a few absent / dispensé / non noté), absences on about 3 to 6 % of the half-days
(episodes of one to four half-days, most constatées, légitimes or classées, some signalées or
annulées), LPC palier 3 validations for the 3e students (entry dates spread, the latest still
inside the school's delay) and, in a B2i experimenter school, the collège students' B2i items.

Rows are generated one school at a time and written with COPY (tsadmin.bulk) as they are
drawn, so memory stays bounded by one school's students at the academy scale. The school's own
random generator (seed and UAJ) keeps the data repeatable and leaves the rest of the demo's
draws unchanged.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, fields
from decimal import Decimal

from django.utils import timezone
from faker.providers.person.fr_FR import Provider as PersonProvider

from consultation.models import Absence, AbsenceState, B2iValidation, CompetenceValidation, Evaluation, Mark, MarkStatus
from portal.catalogue import B2I_ITEMS, LPC_COMPETENCES
from siecle.models import Mef, School, Student
from tsadmin.bulk import copy_rows, reserve_ids

COLLEGE_SUBJECTS = [
    "FRANCAIS",
    "MATHEMATIQUES",
    "HISTOIRE-GEOGRAPHIE",
    "ANGLAIS LV1",
    "ESPAGNOL LV2",
    "SCIENCES DE LA VIE ET DE LA TERRE",
    "PHYSIQUE-CHIMIE",
    "TECHNOLOGIE",
    "EDUCATION PHYSIQUE ET SPORTIVE",
    "ARTS PLASTIQUES",
]
LYCEE_SUBJECTS = [
    "FRANCAIS",
    "MATHEMATIQUES",
    "HISTOIRE-GEOGRAPHIE",
    "ANGLAIS LV1",
    "ESPAGNOL LV2",
    "PHYSIQUE-CHIMIE",
    "SCIENCES ECONOMIQUES ET SOCIALES",
    "SCIENCES DE LA VIE ET DE LA TERRE",
    "EDUCATION PHYSIQUE ET SPORTIVE",
    "ENSEIGNEMENT SCIENTIFIQUE",
]
LABELS = ["Contrôle", "Devoir surveillé", "Interrogation écrite", "Évaluation de compétences", "Devoir maison"]
COLLEGE_LEVELS = {"6EME": 0, "5EME": 1, "4EME": 2, "3EME": 3}
ABSENCE_STATES = [
    (AbsenceState.NOTED, 34),
    (AbsenceState.LEGITIMATE, 30),
    (AbsenceState.CLASSIFIED, 22),
    (AbsenceState.REPORTED, 9),
    (AbsenceState.CANCELLED, 5),
]
REASONS = {
    AbsenceState.LEGITIMATE: ["Maladie", "Rendez-vous médical", "Raison familiale", "Convocation officielle"],
    AbsenceState.CLASSIFIED: ["Non justifiée", "Retard de transport", "Motif non recevable"],
}
# Share of the half-days a student misses: most very few, some a week or two, a few many.
ABSENCE_RATES = [(0.005, 40), (0.045, 40), (0.1, 15), (0.2, 5)]
MARK_STATUSES = [(MarkStatus.MARKED, 92), (MarkStatus.ABSENT, 4), (MarkStatus.EXEMPT, 2), (MarkStatus.NOT_MARKED, 2)]

EVALUATION_FIELDS = [
    "id",
    "school",
    "ref",
    "division",
    "subject",
    "label",
    "teacher",
    "evaluated_on",
    "coefficient",
    "scale",
    "publish_on",
    "updated_at",
]
MARK_FIELDS = ["school", "evaluation", "student", "status", "value", "updated_at"]
ABSENCE_FIELDS = ["school", "student", "date", "half_day", "state", "reason", "updated_at"]
COMPETENCE_FIELDS = ["school", "student", "competence", "validated_on", "entered_on"]
B2I_FIELDS = ["school", "student", "item", "domain", "validated_on"]


@dataclass
class ConsultationCounts:
    evaluations: int = 0
    marks: int = 0
    absences: int = 0
    competences: int = 0
    b2i_items: int = 0

    def __iadd__(self, other: ConsultationCounts) -> ConsultationCounts:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self


def _weighted(rng: random.Random, choices: list[tuple]) -> object:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def term_bounds(school: School, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first school day and the last day with data (yesterday, at most a term after the start)."""
    start = school.school_year_start or datetime.date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    end = min(today - datetime.timedelta(days=1), start + datetime.timedelta(days=105))
    return start, max(end, start)  # the first day of school: a day of data, never a future one


def school_half_days(start: datetime.date, end: datetime.date) -> list[tuple[datetime.date, str]]:
    """Mornings and afternoons of school days: no weekend, no Wednesday afternoon, no autumn break."""
    autumn = datetime.date(start.year, 10, 17)
    autumn += datetime.timedelta(days=(5 - autumn.weekday()) % 7)  # the Saturday the break starts
    back = autumn + datetime.timedelta(days=16)
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5 and not autumn <= day < back:
            days.append((day, "M"))
            if day.weekday() != 2:
                days.append((day, "A"))
        day += datetime.timedelta(days=1)
    return days


def _spread(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def school_consultation_create(*, school: School, seed: int, today: datetime.date | None = None) -> ConsultationCounts:
    """Write a term of evaluations, marks, absences, LPC and B2i validations for the school's students."""
    today = today or timezone.localdate()
    rng = random.Random(f"{seed}-consultation-{school.uaj}")
    now = timezone.now()
    start, end = term_bounds(school, today)
    mef_labels = dict(Mef.objects.filter(school=school).values_list("pk", "label"))
    students = list(
        Student.objects.filter(school=school, division__isnull=False)
        .order_by("pk")
        .values_list("pk", "mef_id", "division_id", "division__code")
    )
    counts = ConsultationCounts()
    by_division: dict[int, list[tuple[int, int | None]]] = {}
    division_codes: dict[int, str] = {}
    for pk, mef_id, division_id, code in students:
        by_division.setdefault(division_id, []).append((pk, mef_id))
        division_codes[division_id] = code

    # Evaluations: ids reserved first so the marks can name them while both are streamed.
    plans = []
    for division_id, members in by_division.items():
        level = mef_labels.get(members[0][1], "")
        subjects = COLLEGE_SUBJECTS if level in COLLEGE_LEVELS else LYCEE_SUBJECTS
        chosen = subjects[:2] + rng.sample(subjects[2:], rng.randint(4, 6))
        for subject in chosen:
            teacher = f"{rng.choice(['M.', 'MME'])} {rng.choice(PersonProvider.last_names).upper()}"
            for number in range(1, rng.randint(2, 4) + 1):
                evaluated_on = _spread(rng, min(end, start + datetime.timedelta(days=7)), end)
                plans.append(
                    (
                        division_id,
                        subject,
                        f"{rng.choice(LABELS)} n°{number}",
                        teacher,
                        evaluated_on,
                        Decimal(rng.choice([1, 1, 1, 2])),
                        rng.choice([20, 20, 20, 10]),
                        evaluated_on + datetime.timedelta(days=rng.randint(2, 14)),
                    )
                )
    evaluation_ids = reserve_ids(Evaluation, len(plans))
    counts.evaluations = copy_rows(
        Evaluation,
        EVALUATION_FIELDS,
        (
            (pk, school.pk, f"EV{pk}", division, subject, label, teacher, on, coef, scale, publish, now)
            for pk, (division, subject, label, teacher, on, coef, scale, publish) in zip(
                evaluation_ids, plans, strict=True
            )
        ),
    )
    ability = {pk: min(19.0, max(4.0, rng.gauss(12.5, 3))) for pk, *_ in students}

    def marks():
        for pk, (division, _s, _l, _t, _o, _c, scale, _p) in zip(evaluation_ids, plans, strict=True):
            for student, _mef in by_division[division]:
                status = _weighted(rng, MARK_STATUSES)
                value = None
                if status == MarkStatus.MARKED:
                    on_twenty = min(20.0, max(0.0, rng.gauss(ability[student], 2.5)))
                    value = Decimal(round(on_twenty * scale / 20 * 2) / 2).quantize(Decimal("0.01"))
                yield school.pk, pk, student, str(status), value, now

    counts.marks = copy_rows(Mark, MARK_FIELDS, marks())

    half_days = school_half_days(start, end)

    def absences():
        for pk, *_ in students:
            wanted = round(len(half_days) * _weighted(rng, ABSENCE_RATES) + rng.random() - 0.5)
            taken: set[int] = set()
            while len(taken) < wanted:
                first = rng.randrange(len(half_days))
                state = _weighted(rng, ABSENCE_STATES)
                reason = rng.choice(REASONS[state]) if state in REASONS else ""
                for index in range(first, min(len(half_days), first + rng.choice([1, 1, 2, 2, 4]))):
                    if index not in taken:
                        taken.add(index)
                        day, half = half_days[index]
                        yield school.pk, pk, day, half, str(state), reason, now

    counts.absences = copy_rows(Absence, ABSENCE_FIELDS, absences())

    def competences():
        if not school.uses_lpc_module:
            return
        for pk, mef_id, *_ in students:
            if mef_labels.get(mef_id) != "3EME":
                continue
            for competence in LPC_COMPETENCES:
                if rng.random() < 0.35:
                    validated = _spread(rng, min(end, start + datetime.timedelta(days=14)), end)
                    entered = min(end, validated + datetime.timedelta(days=rng.randint(0, 3)))
                    yield school.pk, pk, competence, validated, entered

    counts.competences = copy_rows(CompetenceValidation, COMPETENCE_FIELDS, competences())

    def b2i_items():
        if not school.b2i_experimenter:
            return
        for pk, mef_id, *_ in students:
            level = COLLEGE_LEVELS.get(mef_labels.get(mef_id, ""))
            if level is None:
                continue
            for item in B2I_ITEMS.values():
                if rng.random() < 0.15 + 0.12 * level:
                    yield (
                        school.pk,
                        pk,
                        item.code,
                        item.domain,
                        _spread(rng, min(end, start + datetime.timedelta(days=10)), end),
                    )

    counts.b2i_items = copy_rows(B2iValidation, B2I_FIELDS, b2i_items())
    return counts
