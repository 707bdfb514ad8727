"""Structures exports (no public sample: hand-written from the documented layout) and the
pseudo-division "Inactifs"."""

import pytest

from siecle.factories import AcademyFactory
from siecle.importer import ExportFile, import_exports
from siecle.models import Division, Student
from siecle.tests.exports import StudentRow, write_students_export

pytestmark = pytest.mark.django_db

STS_EMP = """<?xml version="1.0" encoding="ISO-8859-15"?>
<STS_EDT>
  <PARAMETRES>
    <UAJ CODE="0780001A"/>
    <ANNEE_SCOLAIRE ANNEE="2026"/>
    <HORODATAGE>01/09/2026 10:00:00</HORODATAGE>
  </PARAMETRES>
  <DONNEES>
    <STRUCTURE>
      <DIVISIONS>
        <DIVISION CODE="3A"><LIBELLE_LONG>3ÈME A</LIBELLE_LONG><MEFS_APPARTENANCE/></DIVISION>
        <DIVISION CODE="3B"><LIBELLE_LONG>3ÈME B</LIBELLE_LONG></DIVISION>
      </DIVISIONS>
      <GROUPES><GROUPE CODE="LATIN"><LIBELLE_LONG>Latin</LIBELLE_LONG></GROUPE></GROUPES>
    </STRUCTURE>
  </DONNEES>
</STS_EDT>
"""
BEE_STRUCTURES = """<?xml version="1.0" encoding="UTF-8"?>
<BEE_STRUCTURES VERSION="1.0">
  <PARAMETRES><UAJ>0780001A</UAJ><ANNEE_SCOLAIRE>2026</ANNEE_SCOLAIRE></PARAMETRES>
  <DONNEES>
    <DIVISIONS>
      <DIVISION><CODE_STRUCTURE>6C</CODE_STRUCTURE><LIBELLE_LONG>6ÈME C</LIBELLE_LONG></DIVISION>
      <DIVISION><CODE_STRUCTURE>Inactifs</CODE_STRUCTURE></DIVISION>
    </DIVISIONS>
  </DONNEES>
</BEE_STRUCTURES>
"""


@pytest.fixture(autouse=True)
def academy(db):
    return AcademyFactory()


def test_an_sts_emp_export_gives_the_divisions_and_their_labels(tmp_path):
    path = tmp_path / "sts_emp_0780001A_2026.xml"
    path.write_bytes(STS_EMP.encode("iso-8859-15"))
    report = import_exports([ExportFile(path)])
    assert dict(Division.objects.values_list("code", "label")) == {"3A": "3ÈME A", "3B": "3ÈME B"}
    assert (report.uaj, report.year) == ("0780001A", 2026)
    assert report.counts["divisions"].ignored == 1  # the group


def test_a_structures_export_ignores_the_inactive_pseudo_division(tmp_path):
    path = tmp_path / "Structures.xml"
    path.write_bytes(BEE_STRUCTURES.encode())
    import_exports([ExportFile(path)])
    assert list(Division.objects.values_list("code", "label")) == [("6C", "6ÈME C")]


def test_structures_then_students_in_one_run_keep_the_labels(tmp_path):
    sts = tmp_path / "sts.xml"
    sts.write_bytes(STS_EMP.encode("iso-8859-15"))
    eleves = tmp_path / "eleves.xml"
    with eleves.open("wb") as out:
        write_students_export(
            out,
            uaj="0780001A",
            year=2026,
            students=[
                StudentRow("1", "A", "B", division="3A"),
                StudentRow("2", "C", "D", division="Inactifs"),
            ],
        )
    report = import_exports([ExportFile(eleves), ExportFile(sts)])  # any order on the command line
    assert Student.objects.get(siecle_id="1").division.label == "3ÈME A"
    inactive = Student.objects.get(siecle_id="2")
    assert inactive.division is None and not inactive.has_left
    assert not Division.objects.filter(code="Inactifs").exists()
    assert "C D (ELEVE_ID 2)" in report.notices["students_without_division"]
