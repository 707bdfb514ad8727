"""Re-imports: idempotence, newer exports updating in place, left students, lost legal ranks."""

import datetime
from pathlib import Path

import pytest

from siecle.factories import AcademyFactory, SchoolFactory
from siecle.importer import Confirmation, ExportFile, ExportRefused, import_exports
from siecle.models import Division, Guardian, GuardianLink, LegalRank, Student
from siecle.signals import links_lost_legal_rank, students_created, students_left
from siecle.tests.exports import (
    AddressRow,
    LinkRow,
    PersonRow,
    StudentRow,
    write_guardians_export,
    write_students_export,
)

pytestmark = pytest.mark.django_db

UAJ = "0780001A"
TODAY = datetime.date(2026, 11, 28)


@pytest.fixture
def school(db):
    return SchoolFactory(uaj=UAJ, academy=AcademyFactory())


@pytest.fixture
def signals():
    received = {"created": [], "lost": [], "left": []}

    def on_created(sender, school, student_ids, **kwargs):
        received["created"].extend(student_ids)

    def on_lost(sender, school, link_ids, **kwargs):
        received["lost"].extend(link_ids)

    def on_left(sender, school, student_ids, **kwargs):
        received["left"].extend(student_ids)

    students_created.connect(on_created, dispatch_uid="test-created")
    links_lost_legal_rank.connect(on_lost, dispatch_uid="test-lost")
    students_left.connect(on_left, dispatch_uid="test-left")
    yield received
    students_created.disconnect(dispatch_uid="test-created")
    links_lost_legal_rank.disconnect(dispatch_uid="test-lost")
    students_left.disconnect(dispatch_uid="test-left")


def students_v1() -> list[StudentRow]:
    return [
        StudentRow("1001", "MARTIN", "Léa", ine="123456789AB", mef="10310019110", division="3A", groups=["LV2"]),
        StudentRow("1002", "DURAND", "Hugo", ine="123456789AC", mef="10310019110", division="3B"),
        StudentRow("1003", "PETIT", "Zoé", mef="10010012110"),  # no INE, no division
    ]


def persons_v1() -> list[PersonRow]:
    return [
        PersonRow("2001", "MARTIN", "Claire", email="claire@famille.example", address_id="A1"),
        PersonRow("2002", "MARTIN", "Paul", civility="M.", address_id="A1"),
        PersonRow("2003", "DURAND", "Inès", email="pas-un-courriel", address_id="A2"),
        PersonRow("2004", "PETIT", "Mamie", address_id="A2"),
    ]


def links_v1() -> list[LinkRow]:
    return [
        LinkRow("1001", "2002", level=1, relationship="20"),  # father listed first in the file
        LinkRow("1001", "2001", level=1, relationship="10"),
        LinkRow("1002", "2003", level=1, relationship="10"),
        LinkRow("1002", "2004", level=3, relationship="38"),
    ]


ADDRESSES = [
    AddressRow("A1", "12 RUE DES LILAS", postcode="78000", city="VERSAILLES"),
    AddressRow("A2", "3 AVENUE FOCH", postcode="78100", city="SAINT-GERMAIN-EN-LAYE"),
]


def write(tmp_path: Path, name: str, students=None, persons=None, links=None, addresses=ADDRESSES) -> list[ExportFile]:
    files = []
    if students is not None:
        path = tmp_path / f"{name}-eleves.xml"
        with path.open("wb") as out:
            write_students_export(out, uaj=UAJ, year=2026, students=students)
        files.append(ExportFile(path))
    if persons is not None:
        path = tmp_path / f"{name}-responsables.xml"
        with path.open("wb") as out:
            write_guardians_export(out, uaj=UAJ, year=2026, persons=persons, links=links, addresses=addresses)
        files.append(ExportFile(path))
    return files


# These tests are about what an import writes on a school of three students, where any change is
# "massive": the safeguards have their own tests (test_import_safeguards.py).
ACCEPT_ALL = Confirmation(allow_mass_changes=True, allow_partial=True)


def do_import(files, **options):
    options.setdefault("confirmation", ACCEPT_ALL)
    return import_exports(files, uaj=UAJ, today=TODAY, **options)


def ranks() -> dict[tuple[str, str], int]:
    return {
        (link.student.siecle_id, link.guardian.siecle_id): link.legal_rank
        for link in GuardianLink.objects.select_related("student", "guardian")
    }


def test_first_import_creates_everything_and_announces_new_students(school, tmp_path, signals):
    report = do_import(write(tmp_path, "v1", students_v1(), persons_v1(), links_v1()))
    assert report.counts["students"].created == 3
    assert report.counts["guardians"].created == 4
    assert report.counts["links"].created == 4
    assert sorted(signals["created"]) == sorted(Student.objects.values_list("pk", flat=True))
    martin = Student.objects.get(siecle_id="1001")
    assert martin.division.code == "3A" and martin.search_name == "MARTIN"
    assert not Division.objects.filter(code="LV2").exists()
    assert Guardian.objects.get(siecle_id="2001").address_lines == ["12 RUE DES LILAS", "78000 VERSAILLES"]


def test_legal_1_and_2_follow_code_parente_not_file_order(school, tmp_path):
    do_import(write(tmp_path, "v1", students_v1(), persons_v1(), links_v1()))
    assert ranks() == {
        ("1001", "2001"): LegalRank.LEGAL_1,  # mother (10) before father (20)
        ("1001", "2002"): LegalRank.LEGAL_2,
        ("1002", "2003"): LegalRank.LEGAL_1,
        ("1002", "2004"): LegalRank.OTHER,  # level 3: a contact, never a CAR
    }


def test_students_without_ine_or_division_are_imported_and_reported(school, tmp_path):
    report = do_import(write(tmp_path, "v1", students_v1()))
    petit = Student.objects.get(siecle_id="1003")
    assert petit.ine == "" and petit.division is None
    assert report.notice_totals["students_without_ine"] == 1
    assert "PETIT Zoé (ELEVE_ID 1003)" in report.notices["students_without_division"]


def test_a_bad_email_is_not_kept_and_is_reported(school, tmp_path):
    report = do_import(write(tmp_path, "v1", students_v1(), persons_v1(), links_v1()))
    assert Guardian.objects.get(siecle_id="2003").email == ""
    assert "pas-un-courriel" in report.notices["guardians_bad_email"][0]


def test_importing_the_same_files_twice_changes_nothing(school, tmp_path, signals):
    files = write(tmp_path, "v1", students_v1(), persons_v1(), links_v1())
    do_import(files)
    stamps = {m.__name__: sorted(m.objects.values_list("pk", "updated_at")) for m in (Student, Guardian, GuardianLink)}
    signals["created"].clear()
    report = do_import(files)
    for kind in ("students", "guardians", "links", "divisions", "mefs"):
        c = report.counts[kind]
        assert (c.created, c.updated, c.left) == (0, 0, 0), kind
    assert report.counts["students"].unchanged == 3
    assert report.counts["links"].unchanged == 4
    assert signals == {"created": [], "lost": [], "left": []}
    assert stamps == {
        m.__name__: sorted(m.objects.values_list("pk", "updated_at")) for m in (Student, Guardian, GuardianLink)
    }


def test_a_newer_export_updates_names_divisions_and_replaces_a_guardian(school, tmp_path, signals):
    do_import(write(tmp_path, "v1", students_v1(), persons_v1(), links_v1()))
    martin = Student.objects.get(siecle_id="1001")
    old_link = GuardianLink.objects.get(student=martin, guardian__siecle_id="2002")
    students = students_v1()
    students[0].last_name, students[0].division = "MARTIN-LEROY", "3C"
    persons = persons_v1()
    persons[0].email = "claire.nouveau@famille.example"
    persons.append(PersonRow("2005", "LEROY", "Marc", civility="M.", address_id="A3"))
    links = links_v1()
    links[0] = LinkRow("1001", "2005", level=1, relationship="20")  # Paul replaced by Marc
    addresses = [*ADDRESSES, AddressRow("A3", "1 PLACE DU MARCHE", postcode="78800", city="HOUILLES")]

    report = do_import(write(tmp_path, "v2", students, persons, links, addresses))

    martin.refresh_from_db()
    assert (martin.pk, martin.last_name, martin.search_name) == (old_link.student_id, "MARTIN-LEROY", "MARTIN-LEROY")
    assert martin.division.code == "3C"
    assert Guardian.objects.get(siecle_id="2001").email == "claire.nouveau@famille.example"
    old_link.refresh_from_db()  # kept, never deleted: codes reference it
    assert old_link.legal_rank == LegalRank.OTHER
    assert signals["lost"] == [old_link.pk]
    assert ranks()[("1001", "2005")] == LegalRank.LEGAL_2
    assert report.counts["links"].left == 1
    assert report.counts["students"].updated == 1
    assert Guardian.objects.filter(siecle_id="2002").exists()


def test_a_guardian_who_falls_to_level_2_loses_his_legal_rank(school, tmp_path, signals):
    do_import(write(tmp_path, "v1", students_v1(), persons_v1(), links_v1()))
    links = links_v1()
    links[2] = LinkRow("1002", "2003", level=2, relationship="10")
    do_import(write(tmp_path, "v2", students_v1(), persons_v1(), links))
    link = GuardianLink.objects.get(student__siecle_id="1002", guardian__siecle_id="2003")
    assert link.legal_rank == LegalRank.OTHER
    assert signals["lost"] == [link.pk]


def test_a_student_missing_from_a_newer_export_is_marked_left_and_kept(school, tmp_path, signals):
    do_import(write(tmp_path, "v1", students_v1(), persons_v1(), links_v1()))
    report = do_import(write(tmp_path, "v2", students_v1()[:2], persons_v1(), links_v1()))
    petit = Student.objects.get(siecle_id="1003")
    assert petit.has_left
    assert report.counts["students"].left == 1
    assert signals["left"] == [petit.pk]  # the replication removes his codes from the families' side
    do_import(write(tmp_path, "v3", students_v1()[:2], persons_v1(), links_v1()))
    assert signals["left"] == [petit.pk]  # announced once


def test_a_present_student_whose_newer_export_gives_a_past_leaving_date_is_announced_as_left(school, tmp_path, signals):
    do_import(write(tmp_path, "v1", students_v1()))
    students = students_v1()
    students[1].leaving_date = TODAY - datetime.timedelta(days=1)
    do_import(write(tmp_path, "v2", students))
    assert signals["left"] == [Student.objects.get(siecle_id="1002").pk]


def test_a_student_whose_leaving_date_is_past_is_marked_left(school, tmp_path):
    students = students_v1()
    students[1].leaving_date = TODAY - datetime.timedelta(days=1)
    students[2].leaving_date = TODAY + datetime.timedelta(days=30)
    report = do_import(write(tmp_path, "v1", students))
    assert Student.objects.get(siecle_id="1002").has_left
    assert not Student.objects.get(siecle_id="1003").has_left
    assert report.counts["students"].left == 1


def test_the_guardians_of_a_student_absent_from_the_guardians_export_lose_their_rank(school, tmp_path, signals):
    do_import(write(tmp_path, "v1", students_v1(), persons_v1(), links_v1()))
    do_import(
        write(tmp_path, "v2", students_v1(), persons_v1(), [link for link in links_v1() if link.eleve_id != "1001"])
    )
    assert ranks()[("1001", "2001")] == LegalRank.OTHER
    assert ranks()[("1001", "2002")] == LegalRank.OTHER
    assert len(signals["lost"]) == 2


def test_the_old_resp_legal_format_gives_the_ranks_as_written(school, tmp_path):
    links = [
        LinkRow("1001", "2001", level=None, resp_legal=2, relationship="10"),
        LinkRow("1001", "2002", level=None, resp_legal=1, relationship="20"),
        LinkRow("1002", "2003", level=None, resp_legal=1),
        LinkRow("1002", "2004", level=None, resp_legal=0, relationship="38"),
    ]
    report = do_import(write(tmp_path, "old", students_v1(), persons_v1(), links))
    assert ranks() == {("1001", "2001"): 2, ("1001", "2002"): 1, ("1002", "2003"): 1, ("1002", "2004"): 0}
    assert report.rejected == []


def test_a_third_legal_representative_becomes_a_contact_and_is_reported(school, tmp_path):
    persons = [*persons_v1(), PersonRow("2000", "MARTIN", "Tutrice", address_id="A1")]
    links = [*links_v1(), LinkRow("1001", "2000", level=1, relationship="50")]
    report = do_import(write(tmp_path, "v1", students_v1(), persons, links))
    assert ranks()[("1001", "2000")] == LegalRank.OTHER
    assert report.notice_totals["links_more_than_two_legal"] == 1


def test_duplicate_ids_in_one_file_keep_the_first_and_are_rejected(school, tmp_path):
    students = [*students_v1(), StudentRow("1001", "AUTRE", "Nom")]
    report = do_import(write(tmp_path, "v1", students))
    assert Student.objects.get(siecle_id="1001").last_name == "MARTIN"
    assert [r.ref for r in report.rejected] == ["ELEVE_ID 1001"]


def test_a_record_with_a_bad_date_is_rejected_with_its_reason(school, tmp_path):
    path = tmp_path / "bad.xml"
    with path.open("wb") as out:
        write_students_export(out, uaj=UAJ, year=2026, students=students_v1())
    path.write_bytes(
        path.read_bytes().replace(
            b'<ELEVE ELEVE_ID="1002">', b'<ELEVE ELEVE_ID="1002"><DATE_NAISS>31/02/2012</DATE_NAISS>', 1
        )
    )
    report = do_import([ExportFile(path)])
    assert not Student.objects.filter(siecle_id="1002").exists()
    assert report.rejected[0].reason == "date de naissance invalide « 31/02/2012 »"
    assert Student.objects.count() == 2


def test_last_years_export_is_refused_and_marks_nobody_as_left(school, tmp_path):
    do_import(write(tmp_path, "v1", students_v1(), persons_v1(), links_v1()))
    path = tmp_path / "old-eleves.xml"
    with path.open("wb") as out:
        write_students_export(out, uaj=UAJ, year=2025, students=students_v1()[:1])

    with pytest.raises(ExportRefused, match="antérieure à l'année en cours"):
        do_import([ExportFile(path)])

    assert not Student.objects.filter(school=school, has_left=True).exists()
