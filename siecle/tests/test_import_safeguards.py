"""The safeguards of the importer itself (no code app needed): the figures a dry run computes are
those the real run checks; partial exports, mass leavings and outdated previews are refused inside
the transaction, nothing written."""

import datetime

import pytest

from siecle.factories import AcademyFactory, SchoolFactory
from siecle.importer import Confirmation, ImportBlocked, ImportReport, import_exports
from siecle.models import GuardianLink, Student
from siecle.signals import CodesInvalidated, links_lost_legal_rank
from siecle.tests.exports import LinkRow, PersonRow, StudentRow
from siecle.tests.test_import_updates import ACCEPT_ALL, write

pytestmark = pytest.mark.django_db

UAJ = "0780001A"
TODAY = datetime.date(2026, 11, 28)


@pytest.fixture
def school(db):
    return SchoolFactory(uaj=UAJ, academy=AcademyFactory())


def students(n: int, start: int = 0) -> list[StudentRow]:
    return [StudentRow(str(i), f"ELEVE{i}", "Prénom") for i in range(start, start + n)]


def run(files, **options):
    return import_exports(files, uaj=UAJ, today=TODAY, **options)


@pytest.fixture
def twenty(school, tmp_path):
    persons = [PersonRow(f"p{i}", f"PARENT{i}") for i in range(20)]
    links = [LinkRow(str(i), f"p{i}") for i in range(20)]
    run(write(tmp_path, "v1", students(20), persons, links))
    return school


def present() -> int:
    return Student.objects.filter(has_left=False).count()


def test_a_dry_run_counts_what_would_leave_and_the_real_run_refuses_it(twenty, tmp_path):
    files = write(tmp_path, "v2", students(15))
    report = run(files, dry_run=True)
    assert (report.present_students, report.students_leaving, report.export_students) == (20, 5, {"students": 15})
    assert report.risks.mass_leaving and not report.risks.partial
    with pytest.raises(
        ImportBlocked, match="5 élèves présents sur 20 \\(25 %\\) seraient marqués comme sortis"
    ) as info:
        run(files)
    assert info.value.reason == "mass"
    assert present() == 20
    run(files, confirmation=Confirmation(allow_mass_changes=True))
    assert present() == 15


def test_up_to_a_tenth_of_the_students_may_leave_without_confirmation(twenty, tmp_path):
    run(write(tmp_path, "v2", students(18)))
    assert present() == 18


def test_an_export_of_fewer_than_half_of_the_present_students_is_partial(twenty, tmp_path):
    files = write(tmp_path, "v2", students(9))
    with pytest.raises(ImportBlocked, match="l'export élèves ne nomme que 9 élèves sur les 20 présents") as info:
        run(files, confirmation=Confirmation(allow_mass_changes=True))
    assert info.value.reason == "partial"
    assert present() == 20
    run(files, confirmation=ACCEPT_ALL)
    assert present() == 9


def test_a_guardians_export_naming_few_students_is_partial(twenty, tmp_path):
    files = write(tmp_path, "v2", None, [PersonRow("p0", "PARENT0")], [LinkRow("0", "p0")])
    with pytest.raises(ImportBlocked, match="l'export responsables ne nomme que 1 élève sur les 20"):
        run(files)
    assert GuardianLink.objects.filter(legal_rank__gt=0).count() == 20


def test_the_codes_a_receiver_invalidates_are_added_up_and_notified_ones_are_massive(twenty, tmp_path):
    def answer(sender, school, link_ids, **kwargs):
        return CodesInvalidated(kind="CAR", count=len(link_ids), notified=1)

    links_lost_legal_rank.connect(answer, dispatch_uid="test-answer")
    try:
        persons = [PersonRow(f"p{i}", f"PARENT{i}") for i in range(20)]
        links = [LinkRow(str(i), f"p{i}", level=2 if i < 2 else 1) for i in range(20)]
        files = write(tmp_path, "v2", None, persons, links)
        report = run(files, dry_run=True)
        assert report.codes_invalidated == {"CAR": {"count": 2, "notified": 1}}
        assert report.code_rows() == [("CAR", 2, 1), ("CAE", 0, 0)]
        with pytest.raises(ImportBlocked, match="1 code déjà remis aux familles serait invalidé"):
            run(files)
        assert GuardianLink.objects.filter(legal_rank__gt=0).count() == 20
    finally:
        links_lost_legal_rank.disconnect(dispatch_uid="test-answer")


def test_a_run_doing_more_than_its_confirmed_preview_is_rolled_back(twenty, tmp_path):
    files = write(tmp_path, "v2", students(19))
    preview = run(files, dry_run=True)
    assert preview.harm()["students_leaving"] == 1
    Student.objects.create(school=twenty, siecle_id="new", last_name="NOUVEAU")  # arrives meanwhile
    with pytest.raises(ImportBlocked, match="élèves marqués comme sortis : 2 au lieu de 1") as info:
        run(files, confirmation=Confirmation(previewed=preview.harm()))
    assert info.value.reason == "drift"
    assert present() == 21


def test_the_new_figures_travel_in_the_job_result():
    report = ImportReport(present_students=3, students_leaving=2, export_students={"students": 1})
    report.codes_were_invalidated(kind="CAR", count=4, notified=2)
    again = ImportReport.from_dict(report.to_dict())
    assert again.harm() == {"students_leaving": 2, "links_lost": 0, "codes_invalidated": 4, "codes_notified": 2}
    assert again.risks.partial == {"students": 1}
