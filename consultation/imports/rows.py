"""From one CSV row to the values of one consultation row: conversions, checks, look-ups.

A row that cannot be imported raises `RowRefused` with the reason in French; the run adds the
file's name and the line number and refuses the whole import. Students are found by the
school's UAJ (column or `--uaj`) and ELEVE_ID, divisions by code, evaluations by their ref.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from portal.catalogue import B2I_ITEMS, LPC_COMPETENCES
from siecle.importer.values import parse_date
from siecle.models import Division, School, Student

from ..models import AbsenceState, Evaluation, HalfDay, MarkStatus


class RowRefused(Exception):
    """One row that cannot be imported; the message is French and names what is wrong."""


@dataclass
class Parsed:
    uaj: str
    key: tuple  # unique in the base and in the file
    values: dict[str, Any]  # attribute names -> database-ready values


def _plain(value: str) -> str:
    """Upper case, without accents or blanks: 'Légitime' -> 'LEGITIME', 'après-midi' -> 'APRES-MIDI'."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper().replace(" ", "")


ABSENCE_STATES = {_plain(s.value): s.value for s in AbsenceState}
HALF_DAYS = {"M": HalfDay.MORNING, "MATIN": HalfDay.MORNING, "A": HalfDay.AFTERNOON, "APRES-MIDI": HalfDay.AFTERNOON}
MARK_WORDS = {
    "ABS": MarkStatus.ABSENT,
    "ABSENT": MarkStatus.ABSENT,
    "DISP": MarkStatus.EXEMPT,
    "DISPENSE": MarkStatus.EXEMPT,
    "NN": MarkStatus.NOT_MARKED,
    "NONNOTE": MarkStatus.NOT_MARKED,
}


class Lookup:
    """Schools, students, divisions and evaluations by their SIECLE identifiers, loaded once per school."""

    def __init__(self, *, uaj: str | None):
        self.uaj = uaj.upper() if uaj else None
        self._schools: dict[str, School] = {}
        self._students: dict[int, dict[str, int]] = {}
        self._divisions: dict[int, dict[str, int]] = {}
        self._evaluations: dict[int, dict[str, tuple[int, int]]] = {}

    def school(self, row: dict[str, str]) -> School:
        uaj = row.get("UAJ", "").upper()
        if uaj and self.uaj and uaj != self.uaj:
            raise RowRefused(f"établissement {uaj}, pas celui demandé par --uaj ({self.uaj})")
        uaj = uaj or self.uaj
        if not uaj:
            raise RowRefused("établissement non précisé (colonne UAJ vide et pas d'option --uaj)")
        school = self._schools.get(uaj)
        if school is None:
            school = School.objects.filter(uaj=uaj).first()
            if school is None:
                raise RowRefused(f"établissement {uaj} inconnu")
            self._schools[uaj] = school
        return school

    def student(self, school: School, siecle_id: str) -> int:
        students = self._students.get(school.pk)
        if students is None:
            students = dict(Student.objects.filter(school=school).values_list("siecle_id", "pk"))
            self._students[school.pk] = students
        if not siecle_id:
            raise RowRefused("ELEVE_ID vide")
        try:
            return students[siecle_id]
        except KeyError:
            raise RowRefused(f"élève ELEVE_ID {siecle_id} inconnu dans l'établissement {school.uaj}") from None

    def division(self, school: School, code: str) -> int:
        divisions = self._divisions.get(school.pk)
        if divisions is None:
            divisions = dict(Division.objects.filter(school=school).values_list("code", "pk"))
            self._divisions[school.pk] = divisions
        try:
            return divisions[code]
        except KeyError:
            raise RowRefused(f"division « {code} » inconnue dans l'établissement {school.uaj}") from None

    def _school_evaluations(self, school_id: int) -> dict[str, tuple[int, int]]:
        evaluations = self._evaluations.get(school_id)
        if evaluations is None:
            evaluations = {
                ref: (pk, scale)
                for ref, pk, scale in Evaluation.objects.filter(school_id=school_id).values_list("ref", "pk", "scale")
            }
            self._evaluations[school_id] = evaluations
        return evaluations

    def evaluation(self, school: School, ref: str) -> tuple[int, int]:
        """(id, scale) of the school's evaluation."""
        try:
            return self._school_evaluations(school.pk)[ref]
        except KeyError:
            raise RowRefused(f"contrôle REF {ref} inconnu dans l'établissement {school.uaj}") from None

    def evaluation_schools(self) -> list[int]:
        """The schools whose evaluations this import read or wrote."""
        return list(self._evaluations)

    def evaluations_written(self, school_id: int, refs: list[str]) -> None:
        """After a batch of evaluations is written: their ids and scales as the base now has them."""
        known = self._school_evaluations(school_id)
        rows = Evaluation.objects.filter(school_id=school_id, ref__in=refs).values_list("ref", "pk", "scale")
        known.update({ref: (pk, scale) for ref, pk, scale in rows})


def _date(row: dict[str, str], column: str) -> Any:
    value = row[column]
    try:
        parsed = parse_date(value)
    except ValueError:
        raise RowRefused(f"{column} « {value} » n'est pas une date JJ/MM/AAAA") from None
    if parsed is None:
        raise RowRefused(f"{column} vide")
    return parsed


def _decimal(row: dict[str, str], column: str) -> Decimal:
    value = row[column]
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise RowRefused(f"{column} « {value} » n'est pas un nombre") from None
    if not number.is_finite() or number < 0 or number != number.quantize(Decimal("0.01")) or number >= 1000:
        raise RowRefused(f"{column} « {value} » : nombre positif de deux décimales au plus attendu")
    return number


def parse_evaluation(row: dict[str, str], lookup: Lookup) -> Parsed:
    school = lookup.school(row)
    ref = row["REF"]
    if not ref:
        raise RowRefused("REF vide")
    coefficient = _decimal(row, "COEFFICIENT")
    if coefficient == 0:
        raise RowRefused("COEFFICIENT nul")
    if not row["BAREME"].isdigit() or not 1 <= int(row["BAREME"]) <= 100:
        raise RowRefused(f"BAREME « {row['BAREME']} » : nombre entier de 1 à 100 attendu")
    if not row["MATIERE"] or not row["LIBELLE"]:
        raise RowRefused("MATIERE ou LIBELLE vide")
    return Parsed(
        uaj=school.uaj,
        key=(school.pk, ref),
        values={
            "school_id": school.pk,
            "ref": ref[:40],
            "division_id": lookup.division(school, row["DIVISION"]),
            "subject": row["MATIERE"][:80],
            "label": row["LIBELLE"][:120],
            "teacher": row.get("PROFESSEUR", "")[:100],
            "evaluated_on": _date(row, "DATE"),
            "coefficient": coefficient,
            "scale": int(row["BAREME"]),
            "publish_on": _date(row, "DATE_PUBLICATION"),
        },
    )


def parse_mark(row: dict[str, str], lookup: Lookup) -> Parsed:
    school = lookup.school(row)
    evaluation_id, scale = lookup.evaluation(school, row["REF"])
    student_id = lookup.student(school, row["ELEVE_ID"])
    status = MARK_WORDS.get(_plain(row["NOTE"]))
    value = None
    if status is None:
        if not row["NOTE"]:
            raise RowRefused("NOTE vide (une note, ABS, DISP ou NN)")
        value = _decimal(row, "NOTE")
        if value > scale:
            raise RowRefused(f"note {row['NOTE']} supérieure au barème du contrôle ({scale})")
        status = MarkStatus.MARKED
    return Parsed(
        uaj=school.uaj,
        key=(evaluation_id, student_id),
        values={
            "school_id": school.pk,
            "evaluation_id": evaluation_id,
            "student_id": student_id,
            "status": str(status),
            "value": value,
        },
    )


def parse_absence(row: dict[str, str], lookup: Lookup) -> Parsed:
    school = lookup.school(row)
    student_id = lookup.student(school, row["ELEVE_ID"])
    half_day = HALF_DAYS.get(_plain(row["DEMI_JOURNEE"]))
    if half_day is None:
        raise RowRefused(f"DEMI_JOURNEE « {row['DEMI_JOURNEE']} » inconnue (M ou A)")
    state = ABSENCE_STATES.get(_plain(row["ETAT"]))
    if state is None:
        raise RowRefused(f"état « {row['ETAT']} » inconnu (signalee, constatee, legitime, classee ou annulee attendu)")
    date = _date(row, "DATE")
    return Parsed(
        uaj=school.uaj,
        key=(student_id, date, str(half_day)),
        values={
            "school_id": school.pk,
            "student_id": student_id,
            "date": date,
            "half_day": str(half_day),
            "state": state,
            "reason": row.get("MOTIF", "")[:100],
        },
    )


def parse_lpc(row: dict[str, str], lookup: Lookup) -> Parsed:
    school = lookup.school(row)
    student_id = lookup.student(school, row["ELEVE_ID"])
    competence = row["COMPETENCE"]
    if not competence.isdigit() or int(competence) not in LPC_COMPETENCES:
        raise RowRefused(f"COMPETENCE « {competence} » hors de 1 à 7")
    return Parsed(
        uaj=school.uaj,
        key=(student_id, int(competence)),
        values={
            "school_id": school.pk,
            "student_id": student_id,
            "competence": int(competence),
            "validated_on": _date(row, "DATE_VALIDATION"),
            "entered_on": _date(row, "DATE_SAISIE"),
        },
    )


def parse_b2i(row: dict[str, str], lookup: Lookup) -> Parsed:
    school = lookup.school(row)
    student_id = lookup.student(school, row["ELEVE_ID"])
    item = B2I_ITEMS.get(row["ITEM_B2I"])
    if item is None:
        raise RowRefused(f"item B2i « {row['ITEM_B2I']} » inconnu (de 1.1 à 5.x, liste nationale)")
    return Parsed(
        uaj=school.uaj,
        key=(student_id, item.code),
        values={
            "school_id": school.pk,
            "student_id": student_id,
            "item": item.code,
            "domain": item.domain,
            "validated_on": _date(row, "DATE_VALIDATION"),
        },
    )


PARSERS = {
    "evaluations": parse_evaluation,
    "marks": parse_mark,
    "absences": parse_absence,
    "lpc": parse_lpc,
    "b2i": parse_b2i,
}
DUPLICATE = {
    "evaluations": "même REF",
    "marks": "même REF et même élève",
    "absences": "même élève, même date et même demi-journée",
    "lpc": "même élève et même compétence",
    "b2i": "même élève et même item",
}
