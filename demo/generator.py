"""The demo academy generator: realistic French schools, students and families, in bulk.

Used by `manage.py seed_demo`, by `make run` and by the benchmarks. Rows are written with
COPY (tsadmin.bulk) one school at a time, so the academy scale (1,000 schools of 600 students)
finishes in minutes and memory stays bounded by one school.
"""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from faker.providers.person.fr_FR import Provider as PersonProvider

from siecle.models import Academy, Division, Ent, Guardian, GuardianLink, LegalRank, Mef, School, Student, search_key
from siecle.signals import students_created
from siecle.uaj import uaj_with_key
from tsadmin.bulk import copy_rows, reserve_ids

from .consultation import ConsultationCounts, school_consultation_create

STUDENT_FIELDS = [
    "id",
    "school",
    "siecle_id",
    "elenoet",
    "ine",
    "last_name",
    "first_name",
    "search_name",
    "birth_date",
    "sex",
    "mef",
    "division",
    "entry_date",
    "leaving_date",
    "has_left",
    "created_at",
    "updated_at",
]
GUARDIAN_FIELDS = [
    "id",
    "school",
    "siecle_id",
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
    "mobile_phone",
    "created_at",
    "updated_at",
]

COLLEGE_MEFS = [
    ("10010012110", "6EME", "6EME"),
    ("10110001110", "5EME", "5EME"),
    ("10210001110", "4EME", "4EME"),
    ("10310019110", "3EME", "3EME"),
]
LYCEE_MEFS = [
    ("20010018110", "2NDE", "2NDE GENERALE ET TECHNOLOGIQUE"),
    ("20110019110", "1ERE G", "1ERE GENERALE"),
    ("20212001110", "TERM G", "TERMINALE GENERALE"),
]
STREET_KINDS = ["rue", "avenue", "boulevard", "allée", "impasse", "chemin", "place", "route"]
EMAIL_DOMAINS = ["exemple.fr", "courriel.example", "messagerie.example", "demo-famille.example"]
CITIES = [
    ("78000", "VERSAILLES"),
    ("78800", "HOUILLES"),
    ("78500", "SARTROUVILLE"),
    ("78100", "SAINT-GERMAIN-EN-LAYE"),
    ("92000", "NANTERRE"),
    ("92100", "BOULOGNE-BILLANCOURT"),
    ("91000", "EVRY-COURCOURONNES"),
    ("95000", "CERGY"),
    ("78200", "MANTES-LA-JOLIE"),
    ("91300", "MASSY"),
    ("92400", "COURBEVOIE"),
    ("95100", "ARGENTEUIL"),
]


@dataclass
class DemoReport:
    schools: int = 0
    mefs: int = 0
    divisions: int = 0
    students: int = 0
    guardians: int = 0
    links: int = 0
    left: int = 0
    school_uajs: list[str] = field(default_factory=list)
    consultation: ConsultationCounts = field(default_factory=ConsultationCounts)

    def lines(self) -> list[str]:
        return [
            f"établissements : {self.schools}",
            f"MEF : {self.mefs}",
            f"divisions : {self.divisions}",
            f"élèves : {self.students} (dont {self.left} sortis)",
            f"responsables : {self.guardians}",
            f"liens élève–responsable : {self.links}",
            f"contrôles : {self.consultation.evaluations}, notes : {self.consultation.marks}",
            f"absences (demi-journées) : {self.consultation.absences}",
            f"compétences LPC validées : {self.consultation.competences}, items B2i : {self.consultation.b2i_items}",
        ]


class _Names:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.last = list(PersonProvider.last_names)
        self.male = list(PersonProvider.first_names_male)
        self.female = list(PersonProvider.first_names_female)
        self.street_names = list(PersonProvider.last_names)

    def first(self, sex: str) -> str:
        return self.rng.choice(self.male if sex == "M" else self.female)

    def address(self) -> tuple[str, str, str]:
        number = self.rng.randint(1, 180)
        street = f"{number} {self.rng.choice(STREET_KINDS)} {self.rng.choice(self.street_names)}".upper()
        postcode, city = self.rng.choice(CITIES)
        return street, postcode, city


def _email(rng: random.Random, first: str, last: str, serial: int) -> str:
    local = search_key(f"{first}.{last}").lower().replace(" ", "-").replace("'", "")
    return f"{local}{serial}@{rng.choice(EMAIL_DOMAINS)}"


def create_demo_academy(
    *,
    schools: int,
    students_per_school: int,
    academy_code: str = "DEMO",
    academy_name: str = "Académie de démonstration",
    seed: int = 2026,
    first_uaj_number: int = 990001,
    today: datetime.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoReport:
    """Create (or extend) the demo academy with `schools` new schools of about M students each."""
    rng = random.Random(seed)
    names = _Names(rng)
    today = today or timezone.localdate()
    start_year = today.year if today.month >= 9 else today.year - 1
    year_start, year_end = datetime.date(start_year, 9, 1), datetime.date(start_year + 1, 8, 31)

    academy, _ = Academy.objects.get_or_create(
        code=academy_code, defaults={"name": academy_name, "teleservices_url": "https://teleservices.demo.example/"}
    )
    if not academy.ents.exists():
        Ent.objects.bulk_create(
            [
                Ent(
                    academy=academy,
                    location="YVELINES",
                    description="ENT des collèges",
                    url="https://ent78.demo.example/",
                ),
                Ent(
                    academy=academy,
                    location="ACADEMIE",
                    description="ENT des lycées",
                    url="https://lycees.demo.example/",
                ),
            ]
        )
    existing = set(School.objects.filter(uaj__startswith="0").values_list("uaj", flat=True))
    report = DemoReport()
    number = first_uaj_number
    for index in range(schools):
        while uaj_with_key(number) in existing:
            number += 1
        uaj = uaj_with_key(number)
        number += 1
        with transaction.atomic():
            school, student_ids = _create_school(
                rng, names, academy, uaj, index, students_per_school, year_start, year_end, today, report
            )
            # Other apps attach what must exist with a student (his CAE) in this transaction.
            students_created.send(sender=School, school=school, student_ids=student_ids)
            report.consultation += school_consultation_create(school=school, seed=seed, today=today)
        report.school_uajs.append(uaj)
        if progress is not None:
            progress(index + 1, schools)
    return report


def _create_school(rng, names, academy, uaj, index, size, year_start, year_end, today, report):
    kind = index % 3  # 0 collège, 1 lycée, 2 cité scolaire
    label = ["Collège", "Lycée", "Cité scolaire"][kind]
    mef_specs = COLLEGE_MEFS if kind == 0 else LYCEE_MEFS if kind == 1 else COLLEGE_MEFS + LYCEE_MEFS
    street, postcode, city = names.address()
    school_name = f"{label} {rng.choice(names.male + names.female)} {rng.choice(names.last)}"
    slug = uaj.lower()
    school = School.objects.create(
        academy=academy,
        uaj=uaj,
        name=school_name,
        address_line1=street,
        postcode=postcode,
        city=city,
        phone=f"01 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        fax=f"01 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        email1=f"ce.{slug}@ac-demo.example",
        email2=f"secretariat.{slug}@ac-demo.example" if rng.random() < 0.5 else "",
        vie_scolaire_emails=[f"vie-scolaire.{slug}@ac-demo.example"] if rng.random() < 0.5 else [],
        uses_lpc_module=kind != 1,
        b2i_experimenter=rng.random() < 0.3 or index == 0,  # the first one shows the B2i
        school_year_start=year_start,
        school_year_end=year_end,
    )
    mefs = Mef.objects.bulk_create(
        [Mef(school=school, code=code, label=short, long_label=long) for code, short, long in mef_specs]
    )
    per_mef = max(1, size // len(mefs))
    divisions_by_mef: dict[int, list[Division]] = {}
    new_divisions = []
    for mef in mefs:
        count = max(1, math.ceil(per_mef / rng.randint(20, 35)))
        level = mef.label.split()[0].replace("EME", "").replace("NDE", "").replace("ERE", "").replace("TERM", "T")
        for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:count]:
            new_divisions.append(Division(school=school, code=f"{level}{letter}", label=f"{mef.label} {letter}"))
    new_divisions = Division.objects.bulk_create(new_divisions)
    for division in new_divisions:
        mef = next(m for m in mefs if division.label.startswith(m.label))
        divisions_by_mef.setdefault(mef.pk, []).append(division)

    # Families first: each has one to three children in the school and one or two legal guardians.
    # Rows are tuples in the column order below, written with COPY (tsadmin.bulk).
    now = timezone.now()
    students: list[tuple] = []
    guardians: list[tuple] = []
    pairs: list[tuple[int, int, int, str]] = []  # (student index, guardian index, rank, relationship)
    age_of_mef = {mef.pk: 11 + index for index, mef in enumerate(mefs)}
    serial = 0
    while len(students) < size:
        family_name = rng.choice(names.last)
        family_key = search_key(family_name)
        street, postcode, city = names.address()
        children = min(size - len(students), rng.choices([1, 2, 3], weights=[70, 24, 6])[0])
        first_child = len(students)
        for _ in range(children):
            mef = rng.choice(mefs)
            division = rng.choice(divisions_by_mef[mef.pk])
            sex = rng.choice("MF")
            birth = datetime.date(year_start.year - age_of_mef[mef.pk], rng.randint(1, 12), rng.randint(1, 28))
            left = rng.random() < 0.03
            serial += 1
            ine = "" if rng.random() < 0.01 else f"{rng.randint(10**9, 10**10 - 1)}{rng.choice('ABCDEFGHJK')}"
            students.append(
                (
                    school.pk,
                    str(100000 + serial),
                    str(5000 + serial),
                    ine,
                    family_name,
                    names.first(sex),
                    family_key,
                    birth,
                    sex,
                    mef.pk,
                    division.pk,
                    year_start - datetime.timedelta(days=365 * rng.randint(0, 3)),
                    (today - datetime.timedelta(days=rng.randint(1, 60))) if left else None,
                    left,
                    now,
                    now,
                )
            )
        two_parents = rng.random() < 0.9
        separated = two_parents and rng.random() < 0.25
        parents = (
            [("MME", "F", "10"), ("M.", "M", "20")]
            if two_parents
            else [rng.choice([("MME", "F", "10"), ("M.", "M", "20")])]
        )
        for rank, (civility, sex, relationship) in enumerate(parents, start=1):
            if separated and rank == 2:
                street, postcode, city = names.address()
            first = names.first(sex)
            last = family_name if rng.random() < 0.8 else rng.choice(names.last)
            has_address = rng.random() > 0.04
            has_email = rng.random() > 0.2
            serial += 1
            mobile = f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
            guardians.append(
                (
                    school.pk,
                    str(900000 + serial),
                    civility,
                    last,
                    first,
                    street if has_address else "",
                    "",
                    "",
                    "",
                    postcode if has_address else "",
                    city if has_address else "",
                    "FRANCE",
                    _email(rng, first, last, serial) if has_email else "",
                    mobile,
                    now,
                    now,
                )
            )
            for child in range(first_child, len(students)):
                pairs.append((child, len(guardians) - 1, rank, relationship))
        if rng.random() < 0.05:  # another contact (grandparent), never given a code
            serial += 1
            guardians.append(
                (
                    school.pk,
                    str(900000 + serial),
                    "MME",
                    rng.choice(names.last),
                    names.first("F"),
                    street,
                    "",
                    "",
                    "",
                    postcode,
                    city,
                    "FRANCE",
                    "",
                    "",
                    now,
                    now,
                )
            )
            for child in range(first_child, len(students)):
                pairs.append((child, len(guardians) - 1, LegalRank.OTHER, "38"))

    student_ids = reserve_ids(Student, len(students))
    copy_rows(Student, STUDENT_FIELDS, ((pk, *row) for pk, row in zip(student_ids, students, strict=True)))
    guardian_ids = reserve_ids(Guardian, len(guardians))
    copy_rows(Guardian, GUARDIAN_FIELDS, ((pk, *row) for pk, row in zip(guardian_ids, guardians, strict=True)))
    copy_rows(
        GuardianLink,
        ["student", "guardian", "legal_rank", "relationship", "created_at", "updated_at"],
        ((student_ids[s], guardian_ids[g], int(rank), rel, now, now) for s, g, rank, rel in pairs),
    )
    report.schools += 1
    report.mefs += len(mefs)
    report.divisions += len(new_divisions)
    report.students += len(students)
    report.left += sum(1 for row in students if row[13])
    report.guardians += len(guardians)
    report.links += len(pairs)
    return school, student_ids
