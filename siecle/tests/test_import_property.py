"""Property: an export generated from random data imports to exactly that data."""

import datetime
import io
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siecle.factories import AcademyFactory
from siecle.importer import ExportFile, import_exports
from siecle.models import Guardian, GuardianLink, Student
from siecle.tests.exports import (
    AddressRow,
    LinkRow,
    PersonRow,
    StudentRow,
    write_guardians_export,
    write_students_export,
)
from siecle.uaj import uaj_with_key

pytestmark = pytest.mark.django_db
UAJ_NUMBERS = itertools.count(3000000)

# Letters of French names, a few outside Latin-9 (written as character references), blanks.
name = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZéèêëàâîïôöûüçœŒÆÉÈ'-  ĞŁ", min_size=1, max_size=30).filter(
    lambda s: s.split()
)
date = st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2030, 12, 31))
code = st.text(alphabet="0123456789", min_size=1, max_size=6)


def clean(value: str) -> str:
    return " ".join(value.split())


@st.composite
def school_data(draw):
    n_students = draw(st.integers(min_value=1, max_value=12))
    students = [
        StudentRow(
            eleve_id=str(1000 + i),
            last_name=draw(name),
            first_name=draw(name),
            ine=draw(st.sampled_from(["", f"{i:09d}AB"])),
            birth_date=draw(st.none() | date),
            sex=draw(st.sampled_from(["M", "F", ""])),
            mef=draw(st.sampled_from(["", "10310019110", "10010012110"])),
            division=draw(st.sampled_from(["", "3A", "3 B", "6ÈME-1"])),
            groups=draw(st.lists(st.sampled_from(["G1", "LATIN"]), max_size=2)),
            entry_date=draw(st.none() | date),
        )
        for i in range(n_students)
    ]
    n_persons = draw(st.integers(min_value=0, max_value=10))
    persons = [
        PersonRow(
            personne_id=str(5000 + i),
            last_name=draw(name),
            first_name=draw(name),
            civility=draw(st.sampled_from(["M.", "MME"])),
            email=draw(st.sampled_from(["", f"p{i}@famille.example"])),
            address_id=draw(st.sampled_from(["", "A1", "A2"])),
        )
        for i in range(n_persons)
    ]
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(students), st.sampled_from(persons) if persons else st.nothing()),
            unique_by=lambda p: (p[0].eleve_id, p[1].personne_id),
            max_size=15,
        )
        if persons
        else st.just([])
    )
    old_format = draw(st.booleans())  # RESP_LEGAL 0/1/2 (before 2018) or NIVEAU_RESPONSABILITE
    links = []
    free_ranks: dict[str, list[int]] = {}
    for s, p in pairs:
        if old_format:  # valid old data: at most one legal 1 and one legal 2 per student
            free = free_ranks.setdefault(s.eleve_id, [1, 2])
            rank = draw(st.sampled_from([0, *free]))
            if rank:
                free.remove(rank)
            links.append(LinkRow(s.eleve_id, p.personne_id, level=None, resp_legal=rank, relationship=draw(code)))
        else:
            level = draw(st.sampled_from([1, 2, 3]))
            links.append(LinkRow(s.eleve_id, p.personne_id, level=level, relationship=draw(code)))
    addresses = [
        AddressRow("A1", draw(name), postcode="78000", city=draw(name)),
        AddressRow("A2", draw(name), line2=draw(name), postcode="75012", city="PARIS"),
    ]
    return students, persons, links, addresses


def expected_ranks(links: list[LinkRow]) -> dict[tuple[str, str], int]:
    """Old format: RESP_LEGAL as written. New: level-1 persons by CODE_PARENTE then PERSONNE_ID, two at most."""
    out = {}
    by_student: dict[str, list[LinkRow]] = {}
    for link in links:
        out[(link.eleve_id, link.personne_id)] = link.resp_legal or 0
        if link.level == 1:
            by_student.setdefault(link.eleve_id, []).append(link)
    for legal in by_student.values():
        legal.sort(key=lambda link: (int(link.relationship), int(link.personne_id)))
        for rank, link in enumerate(legal[:2], start=1):
            out[(link.eleve_id, link.personne_id)] = rank
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=school_data(), encoding=st.sampled_from(["ISO-8859-15", "UTF-8"]), bom=st.booleans())
def test_a_generated_export_imports_to_exactly_its_data(db, data, encoding, bom):
    students, persons, links, addresses = data
    AcademyFactory()
    uaj = uaj_with_key(next(UAJ_NUMBERS))
    eleves, responsables = io.BytesIO(), io.BytesIO()
    write_students_export(
        eleves, uaj=uaj, year=2026, students=students, encoding=encoding, bom=bom and encoding == "UTF-8"
    )
    write_guardians_export(
        responsables, uaj=uaj, year=2026, persons=persons, links=links, addresses=addresses, encoding=encoding
    )

    report = import_exports([ExportFile(eleves, "eleves.xml"), ExportFile(responsables, "resp.xml")], uaj=uaj)

    assert report.rejected == []
    got = {s.siecle_id: s for s in Student.objects.filter(school__uaj=uaj).select_related("mef", "division")}
    assert set(got) == {s.eleve_id for s in students}
    for s in students:
        row = got[s.eleve_id]
        assert (row.last_name, row.first_name) == (clean(s.last_name), clean(s.first_name))
        assert (row.ine, row.birth_date, row.sex, row.entry_date) == (s.ine, s.birth_date, s.sex, s.entry_date)
        assert (row.mef.code if row.mef else "") == s.mef
        assert (row.division.code if row.division else "") == s.division
        assert not row.has_left
    guardians = {g.siecle_id: g for g in Guardian.objects.filter(school__uaj=uaj)}
    assert set(guardians) == {p.personne_id for p in persons}
    address_of = {a.address_id: a for a in addresses}
    for p in persons:
        g = guardians[p.personne_id]
        assert (g.last_name, g.first_name, g.civility, g.email) == (
            clean(p.last_name),
            clean(p.first_name),
            p.civility,
            p.email,
        )
        a = address_of.get(p.address_id)
        assert g.address_line1 == (clean(a.line1) if a else "")
        assert g.city == (clean(a.city) if a else "")
    got_links = {
        (link.student.siecle_id, link.guardian.siecle_id): link.legal_rank
        for link in GuardianLink.objects.filter(student__school__uaj=uaj).select_related("student", "guardian")
    }
    assert got_links == expected_ranks(links)
