"""Generator of big, realistic SIECLE BEE exports (students + guardians) for the benchmarks.

Families of one to three children, two legal representatives (level 1) most of the time,
sometimes one, now and then a third contact (level 3); one address per household, a second
one for separated parents; some students without INE, a few without division, groups beside
divisions. Deterministic for a given seed. Written straight to files, streamed.
"""

from __future__ import annotations

import datetime
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from siecle.tests.exports import (  # noqa: E402 — path set above
    AddressRow,
    LinkRow,
    PersonRow,
    StudentRow,
    write_guardians_export,
    write_students_export,
)

LAST = [
    "MARTIN",
    "BERNARD",
    "THOMAS",
    "PETIT",
    "ROBERT",
    "RICHARD",
    "DURAND",
    "DUBOIS",
    "MOREAU",
    "LAURENT",
    "SIMON",
    "MICHEL",
    "LEFÈVRE",
    "LEROY",
    "ROUX",
    "DAVID",
    "BERTRAND",
    "MOREL",
    "FOURNIER",
    "GIRARD",
    "BONNET",
    "DUPONT",
    "LAMBERT",
    "FONTAINE",
    "ROUSSEAU",
    "VINCENT",
    "MÜLLER",
    "FAURE",
    "ANDRÉ",
    "MERCIER",
]
FIRST_F = ["Léa", "Chloé", "Emma", "Inès", "Zoé", "Manon", "Camille", "Jade", "Louise", "Anaïs", "Éloïse", "Noémie"]
FIRST_M = ["Hugo", "Lucas", "Théo", "Nathan", "Louis", "Jules", "Gabriel", "Noé", "Raphaël", "Maël", "Loïc", "Enzo"]
MEFS = ["10010012110", "10110001110", "10210001110", "10310019110"]
CITIES = [("78000", "VERSAILLES"), ("78800", "HOUILLES"), ("92000", "NANTERRE"), ("95000", "CERGY")]


def generate(folder: Path, *, uaj: str, students: int, seed: int = 2026, year: int = 2026) -> tuple[Path, Path]:
    """Write ElevesSansAdresses.xml and ResponsablesAvecAdresses.xml for `students` students."""
    rng = random.Random(seed)
    student_rows: list[StudentRow] = []
    persons: list[PersonRow] = []
    links: list[LinkRow] = []
    addresses: list[AddressRow] = []
    divisions_per_level = max(1, students // 4 // 28)
    while len(student_rows) < students:
        family = rng.choice(LAST)
        home = f"A{len(addresses) + 1}"
        postcode, city = rng.choice(CITIES)
        addresses.append(
            AddressRow(home, f"{rng.randint(1, 180)} RUE {rng.choice(LAST)}", postcode=postcode, city=city)
        )
        parents = []
        for relationship, civility, first in (("10", "MME", FIRST_F), ("20", "M.", FIRST_M))[
            : 1 if rng.random() < 0.12 else 2
        ]:
            address = home
            if parents and rng.random() < 0.15:  # separated parents: a second household
                address = f"A{len(addresses) + 1}"
                addresses.append(
                    AddressRow(
                        address, f"{rng.randint(1, 90)} AVENUE {rng.choice(LAST)}", postcode="75012", city="PARIS"
                    )
                )
            pid = str(100000 + len(persons))
            persons.append(
                PersonRow(
                    pid,
                    family,
                    rng.choice(first),
                    civility=civility,
                    address_id=address,
                    email=f"{pid}@famille.example" if rng.random() < 0.8 else "",
                    mobile="0612345678",
                )
            )
            parents.append((pid, relationship))
        if rng.random() < 0.05:
            pid = str(100000 + len(persons))
            persons.append(PersonRow(pid, rng.choice(LAST), "Mamie", address_id=home))
            parents.append((pid, "38"))
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            if len(student_rows) >= students:
                break
            sid = str(500000 + len(student_rows))
            level = rng.randrange(4)
            sex = rng.choice("MF")
            student_rows.append(
                StudentRow(
                    sid,
                    family,
                    rng.choice(FIRST_F if sex == "F" else FIRST_M),
                    ine="" if rng.random() < 0.03 else f"{len(student_rows):09d}AB",
                    birth_date=datetime.date(year - 11 - level, rng.randint(1, 12), rng.randint(1, 28)),
                    sex=sex,
                    mef=MEFS[level],
                    division=""
                    if rng.random() < 0.01
                    else f"{6 - level}{chr(65 + rng.randrange(divisions_per_level))}",
                    groups=["LATIN"] if rng.random() < 0.2 else [],
                    entry_date=datetime.date(year - level, 9, 1),
                    elenoet=str(len(student_rows)),
                )
            )
            for pid, relationship in parents:
                links.append(LinkRow(sid, pid, level=3 if relationship == "38" else 1, relationship=relationship))
    eleves = folder / f"ElevesSansAdresses-{students}.xml"
    with eleves.open("wb") as out:
        write_students_export(out, uaj=uaj, year=year, students=student_rows)
    responsables = folder / f"ResponsablesAvecAdresses-{students}.xml"
    with responsables.open("wb") as out:
        write_guardians_export(out, uaj=uaj, year=year, persons=persons, links=links, addresses=addresses)
    return eleves, responsables
